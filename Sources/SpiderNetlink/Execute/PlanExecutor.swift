import CNetlinkShim
import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

/// Applies a `RoutePlan` to the Pod's and the node's namespaces through netlink.
///
/// "Already exists" on an add and "not found" on a delete count as done (and are not undone).
/// When an operation fails, every operation applied before it is undone in reverse order, and
/// the failure names the operation and the kernel's reason.
public struct PlanExecutor: Sendable {
    public var pod: NetworkNamespace
    public var node: NetworkNamespace
    /// Where the namespace workers come from: a session's (kept after the call), or started for
    /// the call and stopped at its end when `nil`.
    public var session: NamespaceSession?

    /// An executor for the Pod's and the node's namespaces.
    /// - Parameters:
    ///   - pod: the Pod's namespace.
    ///   - node: the node's namespace.
    ///   - session: workers to reuse (an observation's, say); `nil` starts and stops its own.
    public init(pod: NetworkNamespace, node: NetworkNamespace = .current, session: NamespaceSession? = nil) {
        self.pod = pod
        self.node = node
        self.session = session
    }

    /// What happened to each operation of a plan.
    public struct Report: Sendable, Hashable {
        /// Indices of operations that changed the kernel.
        public var applied: [Int] = []
        /// Indices of operations that found their work already done.
        public var alreadyDone: [Int] = []
    }

    /// An operation that failed, after the rollback of what came before it.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var index: Int
        public var operation: PlannedOperation
        public var error: NetlinkError
        /// Undo steps that failed themselves (normally empty).
        public var rollbackErrors: [String]

        public var description: String {
            var text = "operation \(index + 1) [\(operation.namespace)] \(operation.action.commandLine().joined(separator: " ")) failed: \(error)"
            if !rollbackErrors.isEmpty { text += "; rollback left: " + rollbackErrors.joined(separator: "; ") }
            return text
        }
    }

    /// Applies the plan; on failure, rolls back and throws ``Failure``.
    @discardableResult
    public func execute(_ plan: RoutePlan) throws(Failure) -> Report {
        var report = Report()
        var undo: [(NamespaceRole, UndoStep)] = []
        var workers: [NamespaceRole: NamespaceWorker] = [:]
        defer { workers.values.forEach { $0.stop() } }
        for (index, operation) in plan.operations.enumerated() {
            do throws(NetlinkError) {
                let worker = try self.worker(operation.namespace, &workers)
                let other = operation.namespace == .pod ? node : pod
                let outcome = try worker.perform { (worker) throws(NetlinkError) in
                    try PlanExecutor.apply(operation.action, on: worker, otherNamespace: other)
                }
                if let step = outcome {
                    undo.append((operation.namespace, step))
                    report.applied.append(index)
                } else {
                    report.alreadyDone.append(index)
                }
            } catch {
                let leftovers = rollback(undo, &workers)
                throw Failure(index: index, operation: operation, error: error, rollbackErrors: leftovers)
            }
        }
        return report
    }

    /// Undoes a report's applied operations of `plan` (for benchmarks and tests).
    public func rollback(_ plan: RoutePlan, _ report: Report) throws(NetlinkError) {
        // Applying again would find everything in place, so compute the undo steps from the plan.
        var workers: [NamespaceRole: NamespaceWorker] = [:]
        defer { workers.values.forEach { $0.stop() } }
        let steps = report.applied.compactMap { index -> (NamespaceRole, UndoStep)? in
            let operation = plan.operations[index]
            return UndoStep.inverse(of: operation.action).map { (operation.namespace, $0) }
        }
        let leftovers = rollback(steps, &workers)
        if let first = leftovers.first { throw .malformed("rollback: \(first)") }
    }

    func worker(_ role: NamespaceRole, _ workers: inout [NamespaceRole: NamespaceWorker]) throws(NetlinkError) -> NamespaceWorker {
        if let session { return try session.worker(for: role == .pod ? pod : node) }
        if let existing = workers[role] { return existing }
        let created = try NamespaceWorker(role == .pod ? pod : node)
        workers[role] = created
        return created
    }

    func rollback(_ steps: [(NamespaceRole, UndoStep)], _ workers: inout [NamespaceRole: NamespaceWorker]) -> [String] {
        var leftovers: [String] = []
        for (role, step) in steps.reversed() {
            do throws(NetlinkError) {
                let worker = try self.worker(role, &workers)
                let namespace = role == .pod ? pod : node
                try worker.perform { (worker) throws(NetlinkError) in try step.run(on: worker, namespace: namespace) }
            } catch {
                leftovers.append("[\(role)] \(step): \(error)")
            }
        }
        return leftovers
    }

    static func isExists(_ error: NetlinkError) -> Bool { error.errnoValue == EEXIST }
    static func isMissing(_ error: NetlinkError) -> Bool { [ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL].contains(error.errnoValue ?? 0) }

    static func index(_ name: String) throws(NetlinkError) -> Int32 {
        let value = if_nametoindex(name)
        guard value > 0 else { throw .kernel(operation: "find link \(name)", errno: ENODEV) }
        return Int32(value)
    }

    static func resolver(_ name: String) -> Int32? {
        let value = if_nametoindex(name)
        return value > 0 ? Int32(value) : nil
    }

    /// Applies one action inside the worker's namespace; returns how to undo it, or `nil`
    /// when the kernel already was as asked.
    static func apply(_ action: PlanAction, on worker: NamespaceWorker, otherNamespace: NetworkNamespace) throws(NetlinkError) -> UndoStep? {
        let socket = try worker.netlink
        let operation = action.commandLine().joined(separator: " ")
        func change(_ request: NetlinkRequest, tolerateExists: Bool = false, tolerateMissing: Bool = false) throws(NetlinkError) -> Bool {
            do {
                try socket.change(request, operation: operation)
                return true
            } catch let error where (tolerateExists && isExists(error)) || (tolerateMissing && isMissing(error)) {
                return false
            }
        }
        switch action {
        case .addVethPair(let pair):
            let descriptor = open(otherNamespace.openablePath, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw .namespace(path: otherNamespace.openablePath, errno: errno) }
            defer { close(descriptor) }
            return try change(RequestEncoder.addVeth(pair, peerNamespaceFD: descriptor), tolerateExists: true) ? .deleteLink(pair.name) : nil
        case .deleteLink(let name):
            guard let index = resolver(name) else { return nil }
            _ = try change(RequestEncoder.deleteLink(index: index), tolerateMissing: true)
            return nil  // a deleted link cannot be brought back
        case .setLinkUp(let name):
            let link = try currentLink(name, socket)
            if link.isUp { return nil }
            _ = try change(RequestEncoder.setLink(index: Int32(link.index), up: true))
            return .setLinkDown(name)
        case .setLinkMAC(let name, let mac):
            let link = try currentLink(name, socket)
            if link.mac == mac { return nil }
            _ = try change(RequestEncoder.setLink(index: Int32(link.index), mac: mac))
            return link.mac.map { .restoreLink(name, mac: $0, mtu: nil, txqueuelen: nil) }
        case .setLinkMTU(let name, let mtu):
            let link = try currentLink(name, socket)
            if link.mtu == mtu { return nil }
            _ = try change(RequestEncoder.setLink(index: Int32(link.index), mtu: mtu))
            return .restoreLink(name, mac: nil, mtu: link.mtu, txqueuelen: nil)
        case .setLinkTxQueueLength(let name, let length):
            let link = try currentLink(name, socket)
            if link.txqueuelen == length { return nil }
            _ = try change(RequestEncoder.setLink(index: Int32(link.index), txqueuelen: length))
            return .restoreLink(name, mac: nil, mtu: nil, txqueuelen: link.txqueuelen)
        case .setLinkAlias(let name, let alias):
            let link = try currentLink(name, socket)
            if (link.alias ?? "") == alias { return nil }
            _ = try change(RequestEncoder.setLinkAlias(index: Int32(link.index), alias: alias))
            return .restoreAlias(name, link.alias ?? "")
        case .addAddress(let address):
            return try change(RequestEncoder.address(address, index: try index(address.device), delete: false), tolerateExists: true)
                ? .deleteAddress(address) : nil
        case .addRoute(let route):
            return try change(try RequestEncoder.route(route, resolve: resolver), tolerateExists: true) ? .deleteRoute(route) : nil
        case .deleteRoute(let route):
            return try change(try RequestEncoder.route(route, resolve: resolver, delete: true), tolerateMissing: true) ? .addRoute(route) : nil
        case .deleteNexthop(let route, let nexthop):
            if route.family == .v6 {
                var single = route
                single.nexthops = []
                single.gateway = nexthop.gateway
                single.device = nexthop.device
                return try change(try RequestEncoder.route(single, resolve: resolver, delete: true), tolerateMissing: true)
                    ? .appendPath(single) : nil
            }
            // IPv4 keeps the paths in one route: replace it with the others.
            var remaining = route
            remaining.nexthops = route.nexthops.filter { $0 != nexthop }
            if remaining.nexthops.count == 1 {
                remaining.gateway = remaining.nexthops[0].gateway
                remaining.device = remaining.nexthops[0].device
                remaining.nexthops = []
            }
            _ = try change(try RequestEncoder.route(remaining, resolve: resolver, replace: true))
            return .replaceRoute(route)
        case .addRule(let rule):
            return try change(RequestEncoder.rule(rule, delete: false), tolerateExists: true) ? .deleteRule(rule) : nil
        case .deleteRule(let rule):
            return try change(RequestEncoder.rule(rule, delete: true), tolerateMissing: true) ? .addRule(rule) : nil
        case .addNeighbour(let neighbour):
            return try change(RequestEncoder.neighbour(neighbour, index: try index(neighbour.device), delete: false), tolerateExists: true)
                ? .deleteNeighbour(neighbour) : nil
        case .deleteNeighbour(let neighbour):
            guard let device = resolver(neighbour.device) else { return nil }
            return try change(RequestEncoder.neighbour(neighbour, index: device, delete: true), tolerateMissing: true)
                ? .addNeighbour(neighbour) : nil
        case .setSysctl(let key, let value):
            let old = Sysctl.read(key)
            if old == value { return nil }
            try Sysctl.write(key, value)
            return old.map { .setSysctl(key, $0) }
        case .appendFirewallRule(let rule):
            return try Firewall.append(rule, in: worker.namespace) ? .deleteFirewallRule(rule) : nil
        }
    }

    static func currentLink(_ name: String, _ socket: NetlinkSocket) throws(NetlinkError) -> Link {
        let answer = try socket.exchange(RequestEncoder.getLink(index: try index(name)), operation: "get link \(name)")
        guard let message = answer.first(where: { $0.type == UInt16(RTM_NEWLINK) }), let decoded = StateDecoder.link(message) else {
            throw .malformed("no RTM_NEWLINK for \(name)")
        }
        return decoded.link
    }
}

/// How to take back one applied operation.
enum UndoStep: Sendable, CustomStringConvertible {
    case deleteLink(String)
    case setLinkDown(String)
    case restoreLink(String, mac: MACAddress?, mtu: Int?, txqueuelen: Int?)
    case restoreAlias(String, String)
    case deleteAddress(InterfaceAddress)
    case deleteRoute(Route)
    case addRoute(Route)
    case appendPath(Route)
    case replaceRoute(Route)
    case deleteRule(RoutingRule)
    case addRule(RoutingRule)
    case deleteNeighbour(Neighbour)
    case addNeighbour(Neighbour)
    case setSysctl(String, String)
    case deleteFirewallRule(FirewallRule)

    /// The undo of an action that was applied (for plans whose report says so).
    static func inverse(of action: PlanAction) -> UndoStep? {
        switch action {
        case .addVethPair(let pair): .deleteLink(pair.name)
        case .setLinkUp(let name): .setLinkDown(name)
        case .addAddress(let address): .deleteAddress(address)
        case .addRoute(let route): .deleteRoute(route)
        case .deleteRoute(let route): .addRoute(route)
        case .addRule(let rule): .deleteRule(rule)
        case .deleteRule(let rule): .addRule(rule)
        case .addNeighbour(let neighbour): .deleteNeighbour(neighbour)
        case .deleteNeighbour(let neighbour): .addNeighbour(neighbour)
        case .appendFirewallRule(let rule): .deleteFirewallRule(rule)
        default: nil
        }
    }

    func run(on worker: NamespaceWorker, namespace: NetworkNamespace) throws(NetlinkError) {
        let socket = try worker.netlink
        let resolve = PlanExecutor.resolver
        func ignoreMissing(_ request: NetlinkRequest) throws(NetlinkError) {
            do { try socket.change(request, operation: description) } catch let error where PlanExecutor.isMissing(error) {}
        }
        switch self {
        case .deleteLink(let name):
            if let index = resolve(name) { try ignoreMissing(RequestEncoder.deleteLink(index: index)) }
        case .setLinkDown(let name):
            try socket.change(RequestEncoder.setLink(index: try PlanExecutor.index(name), up: false), operation: description)
        case .restoreLink(let name, let mac, let mtu, let txqueuelen):
            try socket.change(RequestEncoder.setLink(index: try PlanExecutor.index(name), mac: mac, mtu: mtu, txqueuelen: txqueuelen), operation: description)
        case .restoreAlias(let name, let alias):
            if let index = resolve(name) { try ignoreMissing(RequestEncoder.setLinkAlias(index: index, alias: alias)) }
        case .deleteAddress(let address):
            if let index = resolve(address.device) { try ignoreMissing(RequestEncoder.address(address, index: index, delete: true)) }
        case .deleteRoute(let route):
            try ignoreMissing(try RequestEncoder.route(route, resolve: resolve, delete: true))
        case .addRoute(let route):
            try socket.change(try RequestEncoder.route(route, resolve: resolve), operation: description)
        case .appendPath(let route):
            try socket.change(try RequestEncoder.route(route, resolve: resolve, append: true), operation: description)
        case .replaceRoute(let route):
            try socket.change(try RequestEncoder.route(route, resolve: resolve, replace: true), operation: description)
        case .deleteRule(let rule):
            try ignoreMissing(RequestEncoder.rule(rule, delete: true))
        case .addRule(let rule):
            try socket.change(RequestEncoder.rule(rule, delete: false), operation: description)
        case .deleteNeighbour(let neighbour):
            if let index = resolve(neighbour.device) { try ignoreMissing(RequestEncoder.neighbour(neighbour, index: index, delete: true)) }
        case .addNeighbour(let neighbour):
            try socket.change(RequestEncoder.neighbour(neighbour, index: try PlanExecutor.index(neighbour.device), delete: false), operation: description)
        case .setSysctl(let key, let value):
            try Sysctl.write(key, value)
        case .deleteFirewallRule(let rule):
            try Firewall.delete(rule, in: namespace)
        }
    }

    var description: String {
        switch self {
        case .deleteLink(let name): "delete link \(name)"
        case .setLinkDown(let name): "set \(name) down"
        case .restoreLink(let name, _, _, _): "restore link \(name)"
        case .restoreAlias(let name, _): "restore the alias of \(name)"
        case .deleteAddress(let address): "delete address \(address)"
        case .deleteRoute(let route): "delete route \(route)"
        case .addRoute(let route): "add route \(route)"
        case .appendPath(let route): "append path \(route)"
        case .replaceRoute(let route): "replace route \(route)"
        case .deleteRule(let rule): "delete rule \(rule)"
        case .addRule(let rule): "add rule \(rule)"
        case .deleteNeighbour(let neighbour): "delete neighbour \(neighbour)"
        case .addNeighbour(let neighbour): "add neighbour \(neighbour)"
        case .setSysctl(let key, let value): "sysctl \(key)=\(value)"
        case .deleteFirewallRule(let rule): "delete firewall rule \(rule)"
        }
    }
}
