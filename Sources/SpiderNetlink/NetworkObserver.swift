import CNetlinkShim
import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a live namespace into a `NetworkState`: links, addresses, routes of every table
/// (both families, multipath included), rules, neighbours, the sysctls the coordinator sets,
/// and, when asked, the kernel's `route get` answers and the mangle rules.
public enum NetworkObserver {
    /// Observes `namespace`.
    /// - Parameters:
    ///   - namespace: the namespace to read.
    ///   - routeGet: addresses to ask `ip route get` for (the node's answers for the Pod's addresses).
    ///   - firewall: also read `iptables -t mangle -S` / `ip6tables -t mangle -S` (needs the tools).
    ///   - session: the worker to reuse; `nil` starts one for this call and stops it after.
    public static func observe(_ namespace: NetworkNamespace, routeGet: [IPAddress] = [], firewall: Bool = false,
                               session: NamespaceSession? = nil) throws(NetlinkError) -> NetworkState {
        let worker: NamespaceWorker
        if let session { worker = try session.worker(for: namespace) } else { worker = try NamespaceWorker(namespace) }
        defer { if session == nil { worker.stop() } }
        var state = try worker.perform { (worker) throws(NetlinkError) in try observe(on: worker, routeGet: routeGet) }
        if firewall { state.firewallRules = try Firewall.list(in: namespace) }
        return state
    }

    /// Observes the Pod's and the node's namespaces at the same time, each on its own worker;
    /// then asks the node for its `route get` answer to each of the Pod's addresses.
    /// - Parameters:
    ///   - pod: the Pod's namespace.
    ///   - node: the node's namespace.
    ///   - podFirewall: also read the Pod's mangle rules.
    ///   - routeGet: ask the node for its route to each of the Pod's addresses (not `lo`'s).
    ///   - session: the workers to use; `nil` starts two for this call and stops them after.
    public static func observe(pod: NetworkNamespace, node: NetworkNamespace, podFirewall: Bool = false, routeGet: Bool = true,
                               session: NamespaceSession? = nil) throws(NetlinkError) -> NamespacePair {
        let owned = session == nil ? NamespaceSession() : nil
        defer { owned?.close() }
        guard let workers = session ?? owned else { throw .malformed("no namespace session") }
        let podWorker = try workers.worker(for: pod)
        let nodeWorker = try workers.worker(for: node)
        let podJob = podWorker.submit { (worker) throws(NetlinkError) in try observe(on: worker, routeGet: []) }
        let nodeJob = nodeWorker.submit { (worker) throws(NetlinkError) in try observe(on: worker, routeGet: []) }
        // Wait for both before anything can fail, so that no job outlives this call.
        let podResult = Result { () throws(NetlinkError) in try podWorker.wait(podJob) }
        let nodeResult = Result { () throws(NetlinkError) in try nodeWorker.wait(nodeJob) }
        var podState = try podResult.get()
        var nodeState = try nodeResult.get()
        if podFirewall { podState.firewallRules = try Firewall.list(in: pod) }
        if routeGet {
            let addresses = podState.addresses.filter { $0.device != "lo" }.map(\.address.address)
            let answers = try nodeWorker.perform { (worker) throws(NetlinkError) in try routes(to: addresses, on: worker) }
            nodeState.routeGet.merge(answers) { _, new in new }
        }
        return NamespacePair(pod: podState, node: nodeState)
    }

    /// The kernel's preferred source for each address (`ip route get`).
    static func routes(to addresses: [IPAddress], on worker: NamespaceWorker) throws(NetlinkError) -> [IPAddress: IPAddress] {
        let socket = try worker.netlink
        var result: [IPAddress: IPAddress] = [:]
        for address in addresses {
            let answer = try socket.exchange(RequestEncoder.routeGet(address), operation: "route get \(address)")
            if let reply = answer.first(where: { $0.type == UInt16(RTM_NEWROUTE) }),
               let source = reply.attributes(after: 12).address(RTA_PREFSRC, family: address.family == .v4 ? .inet : .inet6) {
                result[address] = StateDecoder.ipAddress(source)
            }
        }
        return result
    }

    static func observe(on worker: NamespaceWorker, routeGet: [IPAddress]) throws(NetlinkError) -> NetworkState {
        let socket = try worker.netlink
        var state = NetworkState()
        // Links, with peers and masters resolved to names inside this namespace.
        var names: [Int: String] = [:]
        var decoded: [(Link, Int?, Bool, Int?)] = []
        for message in try socket.dump(RequestEncoder.dump(RTM_GETLINK, header: RequestEncoder.ifinfo()), operation: "dump links")
            where message.type == UInt16(RTM_NEWLINK) {
            guard let entry = StateDecoder.link(message) else { continue }
            names[entry.link.index] = entry.link.name
            decoded.append((entry.link, entry.lowerIndex, entry.lowerInOtherNamespace, entry.masterIndex))
        }
        for (original, lower, otherNamespace, master) in decoded {
            var link = original
            if let master, let name = names[master] { link.master = name }
            if let lower {
                switch link.kind {
                case .veth:
                    if otherNamespace { link.peerIndex = lower } else { link.peer = names[lower] }
                default:
                    if otherNamespace { link.masterIndex = lower } else if link.master == nil { link.master = names[lower]; link.masterIndex = lower }
                }
            }
            state.links.append(link)
        }
        state.links.sort { $0.index < $1.index }
        let addressHeader: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        for message in try socket.dump(RequestEncoder.dump(RTM_GETADDR, header: addressHeader), operation: "dump addresses")
            where message.type == UInt16(RTM_NEWADDR) {
            if let address = StateDecoder.address(message, names: names) { state.addresses.append(address) }
        }
        for family in [IPFamily.v4, .v6] {
            let header: [UInt8] = [Bytes.family(family)] + [UInt8](repeating: 0, count: 11)
            for message in try socket.dump(RequestEncoder.dump(RTM_GETROUTE, header: header), operation: "dump \(family) routes")
                where message.type == UInt16(RTM_NEWROUTE) {
                if let route = StateDecoder.route(message, names: names) { state.routes.append(route) }
            }
            for message in try socket.dump(RequestEncoder.dump(RTM_GETRULE, header: header), operation: "dump \(family) rules")
                where message.type == UInt16(RTM_NEWRULE) {
                if let rule = StateDecoder.rule(message) { state.rules.append(rule) }
            }
        }
        let neighbourHeader = [UInt8](repeating: 0, count: 12)
        for message in try socket.dump(RequestEncoder.dump(RTM_GETNEIGH, header: neighbourHeader), operation: "dump neighbours")
            where message.type == UInt16(RTM_NEWNEIGH) {
            if let neighbour = StateDecoder.neighbour(message, names: names) { state.neighbours.append(neighbour) }
        }
        var keys = ["net.ipv4.conf.all.rp_filter", "net.ipv6.conf.all.disable_ipv6"]
        keys += state.links.map { "net.ipv6.conf.\($0.name).accept_ra" }
        for key in keys { if let value = Sysctl.read(key) { state.sysctls[key] = value } }
        if !routeGet.isEmpty { state.routeGet = try routes(to: routeGet, on: worker) }
        return state
    }
}

/// `/proc/sys` reads and writes, inside the calling thread's namespace.
enum Sysctl {
    /// `net.ipv6.conf.eth0.100.accept_ra` → `/proc/sys/net/ipv6/conf/eth0.100/accept_ra`: the
    /// interface part of `net.*.conf.*` and `net.*.neigh.*` keys may itself contain dots.
    /// Byte by byte: observation reads a sysctl per link, on every CNI call.
    static func path(_ key: String) -> String {
        let bytes = Array(key.utf8)
        let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
        let dots = bytes.indices.filter { bytes[$0] == dot }
        var result = Array("/proc/sys/".utf8)
        result.reserveCapacity(result.count + bytes.count)
        // The dots that separate parts: all of them, or for net.X.conf|neigh.IFNAME.KEY the first
        // three and the last (IFNAME keeps its own).
        var separators = Set(dots)
        if dots.count > 4, bytes.starts(with: Array("net.".utf8)) {
            let third = bytes[(dots[1] + 1)..<dots[2]]
            if third.elementsEqual("conf".utf8) || third.elementsEqual("neigh".utf8) {
                separators = [dots[0], dots[1], dots[2], dots[dots.count - 1]]
            }
        }
        for index in bytes.indices { result.append(separators.contains(index) ? slash : bytes[index]) }
        return String(decoding: result, as: UTF8.self)
    }

    /// The value of a sysctl, without surrounding white space; `nil` when it cannot be read.
    static func read(_ key: String) -> String? {
        let descriptor = open(path(key), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // A sysctl value is short; 4 KiB bounds a file that is not one.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        var length = 0
        while length < buffer.count {
            let count = Glibc.read(descriptor, buffer.baseAddress.map { $0 + length }, buffer.count - length)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            length += count
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        var start = 0, end = length
        while start < end, isSpace(buffer[start]) { start += 1 }
        while end > start, isSpace(buffer[end - 1]) { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
    }

    static func write(_ key: String, _ value: String) throws(NetlinkError) {
        let file = path(key)
        let descriptor = open(file, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(operation: "open \(file)", errno: errno) }
        defer { close(descriptor) }
        let bytes = Array((value + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .system(operation: "write \(file)", errno: errno) }
    }
}

/// The mangle rules, through the system's `iptables`/`ip6tables` (run with `nsenter --net`).
enum Firewall {
    static func tool(_ family: IPFamily) -> String { family == .v4 ? "iptables" : "ip6tables" }

    /// `iptables -w` waits this long at most for the xtables lock.
    static let lockWait = "5"

    /// Runs `nsenter --net=PATH -- ARGUMENTS` with a deadline (``HelperProcess``): never a
    /// Foundation `Process`, whose run loop needs a working loopback in the calling thread's
    /// namespace and hung for good in a Pod whose `lo` was down.
    static func run(_ namespace: NetworkNamespace, _ arguments: [String]) throws(NetlinkError) -> (status: Int32, output: String) {
        let candidates: [String] = ["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter"]
        let nsenter = candidates.first { path in access(path, X_OK) == 0 } ?? "/usr/bin/nsenter"
        let outcome = try HelperProcess.run(nsenter, ["--net=\(namespace.openablePath)", "--"] + arguments)
        return (outcome.status, outcome.output)
    }

    static func list(in namespace: NetworkNamespace) throws(NetlinkError) -> [FirewallRule] {
        var rules: [FirewallRule] = []
        for family in IPFamily.allCases {
            let answer = try run(namespace, [tool(family), "-w", lockWait, "-t", "mangle", "-S"])
            guard answer.status == 0 else { throw .command("\(tool(family)) -t mangle -S", status: answer.status, output: answer.output) }
            for line in answer.output.split(separator: "\n") where line.hasPrefix("-A ") {
                rules.append(FirewallRule(family: family, specification: String(line)))
            }
        }
        return rules
    }

    static func words(_ rule: FirewallRule, _ verb: String) -> [String] {
        var words = rule.specification.split(separator: " ").map(String.init)
        if words.first == "-A" { words[0] = verb }
        return [tool(rule.family), "-w", lockWait, "-t", rule.table] + words
    }

    /// Appends the rule unless `-C` finds it; `false` when it was already there.
    static func append(_ rule: FirewallRule, in namespace: NetworkNamespace) throws(NetlinkError) -> Bool {
        if try run(namespace, words(rule, "-C")).status == 0 { return false }
        let answer = try run(namespace, words(rule, "-A"))
        guard answer.status == 0 else { throw .command(words(rule, "-A").joined(separator: " "), status: answer.status, output: answer.output) }
        return true
    }

    static func delete(_ rule: FirewallRule, in namespace: NetworkNamespace) throws(NetlinkError) {
        let answer = try run(namespace, words(rule, "-D"))
        guard answer.status == 0 else { throw .command(words(rule, "-D").joined(separator: " "), status: answer.status, output: answer.output) }
    }
}
