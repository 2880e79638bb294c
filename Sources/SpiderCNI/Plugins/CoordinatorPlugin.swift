import SpiderCore
import SpiderEmbeddedLedger
import SpiderNetlink
#if canImport(Glibc)
import Glibc
#endif

/// The `coordinator` plugin, chained after the interface plugin: observe the Pod's and the
/// node's namespaces, plan, execute (rolled back on failure), verify, and echo `prevResult`.
///
/// Settings come from the CNI configuration; what it leaves out comes from a SpiderCoordinator
/// manifest — the file named by `spiderCoordinator`, else `/var/lib/spiderpool/spidercoordinator.yaml`
/// when it exists (`spiderctl detect --write` writes it). The Pod annotation
/// `ipam.spidernet.io/default-route-nic` arrives as `args["ipam.spidernet.io/default-route-nic"]`
/// (or under `args.cni`, where Multus puts `cni-args`).
public struct CoordinatorPlugin: CNIPlugin {
    public static let defaultManifestPath = EmbeddedLedger.defaultRoot + "/spidercoordinator.yaml"

    /// Reads YAML text into documents (SpiderYAML's reader in `spiderctl`).
    public typealias YAMLReader = @Sendable (String) throws(ManifestError) -> [ManifestValue]

    /// How a SpiderCoordinator manifest in YAML is read; `nil` (the lean CNI binary): such a
    /// call is handed off to `spiderctl`.
    let yamlReader: YAMLReader?

    /// A coordinator that reads JSON manifests itself and YAML ones with `yamlReader`.
    /// - Parameter yamlReader: reads YAML text, or `nil` to hand such calls off.
    public init(yamlReader: YAMLReader? = nil) {
        self.yamlReader = yamlReader
    }

    func config(_ call: CNIInvocation, cleanup: Bool = false) throws(CNIError) -> CoordinatorConfig {
        try CoordinatorPlugin.config(call.config, cleanup: cleanup, yamlReader: yamlReader)
    }

    /// The largest SpiderCoordinator manifest read (1 MiB).
    public static let manifestSizeLimit = 1 << 20

    /// The coordinator's settings for a CNI configuration: its keys, then the
    /// SpiderCoordinator manifest for what it leaves out, then the Pod's default-route
    /// annotation from `args`.
    ///
    /// With `cleanup` (DEL), the manifest is optional: missing, unreadable, invalid or not
    /// `Synced`, it is left out and the CNI configuration alone counts, so that a Pod can
    /// always be torn down. Errors never quote the manifest's content. A manifest in YAML is
    /// handed off to `spiderctl` (``CNIError/handOff(_:)``), which reads YAML.
    /// - Parameters:
    ///   - config: the network configuration, parsed.
    ///   - cleanup: whether this is a DEL.
    ///   - yamlReader: reads a manifest in YAML; `nil`: hand such a call off.
    public static func config(_ config: ManifestValue, cleanup: Bool = false, yamlReader: YAMLReader? = nil) throws(CNIError) -> CoordinatorConfig {
        let netConf: CoordinatorNetConf
        do { netConf = try CoordinatorNetConf(value: config) } catch { throw CNIError(error) }
        var defaults = CoordinatorNetConf()
        do throws(CNIError) {
            let named: String?
            switch config["spiderCoordinator"] {
            case nil, .null?: named = nil
            case .string(let path)?: named = path
            case let other?: throw CNIError(code: CNIError.decodingFailure, "spiderCoordinator must be a file path, not \(other.kindName)")
            }
            if let manifest = try manifest(named: named, yamlReader: yamlReader) {
                if let phase = manifest.phase, phase != "Synced" {
                    throw CNIError(code: CNIError.tryAgainLater, "SpiderCoordinator \(manifest.name) is \(phase)", details: manifest.reason ?? "")
                }
                defaults = manifest.settings
            }
        } catch {
            // DEL goes on without the manifest, unless it is YAML and spiderctl can read it:
            // then the call is handed off, so that DEL undoes what ADD did with those settings.
            if !cleanup || (error.handOffReason != nil && CNIHandOff.program != nil) { throw error }
            defaults = CoordinatorNetConf()
        }
        // At the top of `args`, or under `args.cni` where Multus puts `cni-args`.
        let annotation = config["args"]?["ipam.spidernet.io/default-route-nic"]?.stringValue
            ?? config["args"]?["cni"]?["ipam.spidernet.io/default-route-nic"]?.stringValue
        do { return try CoordinatorConfig(netConf: netConf, defaults: defaults, defaultRouteAnnotation: annotation) } catch {
            throw CNIError(error)
        }
    }

    /// The SpiderCoordinator named by the configuration's `spiderCoordinator` (required to be
    /// there), else the default file when it exists, else `nil`. The file must be a regular
    /// file of at most ``manifestSizeLimit`` bytes; errors name the file and what was expected,
    /// never a line of it.
    static func manifest(named: String?, yamlReader: YAMLReader?) throws(CNIError) -> SpiderCoordinator? {
        let path = named ?? CoordinatorPlugin.defaultManifestPath
        guard !path.utf8.contains(0) else {
            throw CNIError(code: CNIError.invalidConfig, "spiderCoordinator must be a file path without NUL characters")
        }
        let data: [UInt8]
        switch readManifestFile(path) {
        case .success(let bytes): data = bytes
        case .failure(let problem):
            if named == nil, problem.missing { return nil }
            throw CNIError(code: CNIError.invalidConfig, "cannot read SpiderCoordinator \(path)", details: problem.reason)
        }
        // JSON (what `spiderctl detect --write` writes) is read here; YAML needs spiderctl.
        let first = data.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        let isJSON = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == nil
        if !isJSON && yamlReader == nil { throw CNIError.handOff("SpiderCoordinator \(path) is YAML") }
        do throws(ManifestError) {
            let text = String(decoding: data, as: UTF8.self)
            let documents = if isJSON { try ManifestValue.documents(json: text) } else { try yamlReader?(text) ?? [] }
            return try SpiderCoordinator.parse(documents: documents)
        } catch {
            throw CNIError(code: CNIError.invalidConfig, "cannot use SpiderCoordinator \(path)", details: SpiderCoordinator.summary(of: error))
        }
    }

    struct FileProblem: Error {
        var missing: Bool
        var reason: String
    }

    /// Reads a manifest file without blocking (a FIFO or a device is refused, not opened for
    /// reading) and without reading more than ``manifestSizeLimit`` bytes.
    static func readManifestFile(_ path: String) -> Result<[UInt8], FileProblem> {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let code = errno
            return .failure(FileProblem(missing: code == ENOENT, reason: String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(FileProblem(missing: false, reason: String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(FileProblem(missing: false, reason: "not a regular file"))
        }
        guard Int(info.st_size) <= manifestSizeLimit else {
            return .failure(FileProblem(missing: false, reason: "larger than \(manifestSizeLimit) bytes"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= manifestSizeLimit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileProblem(missing: false, reason: String(cString: strerror(errno))))
            }
            if count == 0 { return .success(bytes) }
            bytes += chunk.prefix(count)
        }
        return .failure(FileProblem(missing: false, reason: "larger than \(manifestSizeLimit) bytes"))
    }

    func invocation(_ call: CNIInvocation, _ command: CoordinatorInvocation.Command, exists: Bool = true) -> CoordinatorInvocation {
        CoordinatorInvocation(command: command, containerID: call.environment.containerID, interface: call.environment.interface,
                              podNamespaceExists: exists)
    }

    func observe(_ pod: NetworkNamespace, firewall: Bool, session: NamespaceSession? = nil) throws(CNIError) -> NamespacePair {
        do { return try CoordinatorPlugin.observe(pod: pod, node: .current, firewall: firewall, session: session) } catch {
            throw CNIError(code: 999, "failed to read the network namespaces", details: error.description)
        }
    }

    /// Reads what the planner needs: the Pod's namespace, and the node's with the kernel's
    /// route to each of the Pod's addresses.
    /// - Parameters:
    ///   - pod: the Pod's namespace.
    ///   - node: the node's namespace.
    ///   - firewall: also read the Pod's mangle rules.
    ///   - session: namespace workers to reuse for the rest of the call; `nil` starts its own.
    public static func observe(pod: NetworkNamespace, node: NetworkNamespace, firewall: Bool,
                               session: NamespaceSession? = nil) throws(NetlinkError) -> NamespacePair {
        try NetworkObserver.observe(pod: pod, node: node, podFirewall: firewall, session: session)
    }

    /// The refusal for a `CNI_NETNS` that names the node's own namespace (this process's):
    /// the coordinator would otherwise tune the node as if it were a Pod.
    static func nodeNamespaceError(_ path: String) -> CNIError {
        CNIError(code: CNIError.invalidEnvironment, "CNI_NETNS \(path) is the node's own network namespace",
                 details: "the coordinator only changes a Pod's namespace; CNI_NETNS must name the Pod's (e.g. /var/run/netns/NAME)")
    }

    /// Whether `iptables` is installed (the firewall is observed only then).
    public static var hasIPTables: Bool {
        ["/usr/sbin/iptables", "/sbin/iptables"].contains { (path: String) in access(path, X_OK) == 0 }
    }

    public func add(_ call: CNIInvocation) throws(CNIError) -> String {
        guard let previous = call.config["prevResult"], previous.objectValue != nil else {
            throw CNIError(code: CNIError.invalidConfig, "the coordinator is a chained plugin: prevResult is required")
        }
        let result = try CNIResult(value: previous)
        let config = try config(call)
        if config.mode == .disabled { return result.json(version: call.version) }
        let pod = NetworkNamespace(path: call.environment.netns)
        guard pod.exists else { throw CNIError(code: CNIError.unknownContainer, "the Pod's network namespace \(call.environment.netns) does not exist") }
        guard !pod.isCurrentProcessNamespace else { throw CoordinatorPlugin.nodeNamespaceError(call.environment.netns) }
        // One worker per namespace for the whole call: observe, execute and verify share them.
        let session = NamespaceSession()
        defer { session.close() }
        // On the wire before any step, and outside the node lock: it waits for answers (up to
        // its bound) and must not hold up other Pods' calls.
        // One packet socket for the call's detection and announcement (closing one costs the
        // kernel a network-wide synchronisation).
        var port: NeighborPort?
        defer { port?.close() }
        if config.detection.isEnabled {
            port = try CoordinatorPlugin.detect(interface: call.environment.interface, result: result, settings: config.detection, pod: pod, session: session)
        }
        let (before, plan) = try NodeLock.withLock { () throws(CNIError) -> (NamespacePair, RoutePlan) in
            let before = try observe(pod, firewall: config.mode != .overlay && CoordinatorPlugin.hasIPTables, session: session)
            let plan: RoutePlan
            do throws(CoordinatorError) { plan = try CoordinatorPlanner(config: config).plan(before, invocation(call, .add)) } catch {
                throw CNIError(error)
            }
            do throws(PlanExecutor.Failure) {
                try PlanExecutor(pod: pod, node: .current, session: session).execute(plan)
            } catch {
                throw CoordinatorPlugin.executionError(error)
            }
            return (before, plan)
        }
        if let drift = CoordinatorPlugin.drift(before: before, plan: plan, pod: pod, session: session) {
            CNIProcess.log("coordinator", "ADD \(call.environment.containerID)/\(call.environment.interface): \(drift)")
        }
        // Announced when the MAC changed or the wire was checked anyway (the socket is open):
        // otherwise the interface plugin's own announcement stands, and a packet socket's close
        // would cost every ADD a kernel-wide synchronisation.
        let rewritten = plan.operations.contains { if case .setLinkMAC(call.environment.interface, _) = $0.action { true } else { false } }
        if rewritten || port != nil {
            CoordinatorPlugin.announce(interface: call.environment.interface, before: before.pod, plan: plan, pod: pod, session: session, port: port)
        }
        return result.json(version: call.version)
    }

    /// The NIC's addresses the wire knows it by: every address but link-local ones.
    static func announcedAddresses(_ state: NetworkState, _ nic: String) -> [IPAddress] {
        state.addresses.filter { $0.device == nic && !isLinkLocal($0.address.address) }.map(\.address.address)
    }

    static func isLinkLocal(_ address: IPAddress) -> Bool {
        address.family == .v6 ? address.value >> 118 == 0x3fa : address.value >> 16 == 0xa9fe
    }

    /// IP conflict and gateway detection on the NIC (``NeighborDetection``): code 110 names an
    /// address and the MAC that answered for it, code 111 a gateway that did not answer.
    /// Returns the open port, for the announcement.
    static func detect(interface nic: String, result: CNIResult, settings: NeighborDetection, pod: NetworkNamespace,
                       session: NamespaceSession) throws(CNIError) -> NeighborPort {
        let state: NetworkState
        do { state = try NetworkObserver.observe(pod, session: session) } catch {
            throw CNIError(code: 999, "cannot read the Pod's namespace for IP conflict and gateway detection", details: error.description)
        }
        guard let link = state.link(named: nic), let mac = link.mac else { throw CNIError(CoordinatorError.interfaceNotFound(nic)) }
        let addresses = announcedAddresses(state, nic)
        var gateways: [NeighborCheck.Gateway] = []
        if settings.detectGateway {
            func add(_ gateway: IPAddress, _ source: IPAddress?) {
                guard let source, !gateways.contains(where: { $0.address == gateway }) else { return }
                gateways.append(NeighborCheck.Gateway(address: gateway, source: source))
            }
            for ip in result.ips {
                guard let gateway = ip.gateway else { continue }
                if let index = ip.interface, index < result.interfaces.count, result.interfaces[index].name != nic { continue }
                add(gateway, addresses.first { $0.family == gateway.family })
            }
            // A default route through the NIC that prevResult does not name (set by another plugin).
            for route in state.routes where route.device == nic && route.destination.prefixLength == 0 {
                if let gateway = route.gateway { add(gateway, addresses.first { $0.family == gateway.family }) }
            }
        }
        let port: NeighborPort
        let findings: [NeighborCheck.Finding]
        do {
            port = try NeighborCheck.open(in: pod, session: session, interface: NeighborCheck.Interface(name: nic, index: link.index, mac: mac))
            findings = try port.detect(addresses: settings.detectIPConflict ? addresses : [], gateways: gateways, settings: settings)
        } catch {
            throw CNIError(code: 999, "IP conflict and gateway detection could not run on \(nic)", details: error.description)
        }
        guard let first = findings.first else { return port }
        port.close()
        let bound = NeighborDetection.text(settings.bound)
        switch first {
        case .conflict(let address, let other):
            throw CNIError(code: 110, "IP conflict: \(address) of \(nic) is already used by \(other)",
                           details: "a host with MAC \(other) answered the probe for \(address); no step was applied to the Pod")
        case .gatewayUnreachable(let gateway):
            let unanswered = findings.compactMap { if case .gatewayUnreachable(let g) = $0 { g.description } else { nil } }
            throw CNIError(code: 111, "gateway \(gateway) of \(nic) is unreachable",
                           details: "no answer from \(unanswered.joined(separator: ", ")) to \(settings.retries) \(gateway.family == .v4 ? "ARP requests" : "neighbour solicitations") within \(bound); no step was applied to the Pod")
        }
    }

    /// Announces the NIC's addresses from its current MAC (the one the plan gave it, else the
    /// one it had), on `port` when detection opened one; a failure is logged, never the ADD's.
    static func announce(interface nic: String, before: NetworkState, plan: RoutePlan, pod: NetworkNamespace, session: NamespaceSession,
                         port: NeighborPort?) {
        guard let link = before.link(named: nic) else { return }
        var mac = link.mac
        for operation in plan.operations {
            if case .setLinkMAC(let name, let new) = operation.action, name == nic { mac = new }
        }
        let addresses = announcedAddresses(before, nic)
        guard let mac, !addresses.isEmpty else { return }
        let interface = NeighborCheck.Interface(name: nic, index: link.index, mac: mac)
        do {
            let used = try port ?? NeighborCheck.open(in: pod, session: session, interface: interface)
            defer { if port == nil { used.close() } }
            used.interface = interface
            try used.announce(addresses)
        } catch {
            CNIProcess.log("coordinator", "the announcement of \(nic)'s addresses failed: \(error)")
        }
    }

    /// The ADD's failure: "nothing was left changed" only when the rollback undid everything;
    /// otherwise the message says what is left.
    static func executionError(_ failure: PlanExecutor.Failure) -> CNIError {
        if failure.rollbackErrors.isEmpty {
            return CNIError(code: 999, "coordinator failed, nothing was left changed", details: failure.description)
        }
        return CNIError(code: 999, "coordinator failed and could not undo everything: the Pod's or the node's routes are partly changed",
                        details: failure.description)
    }

    /// What an operator must know after an applied plan: the namespaces observed again differ
    /// from what the plan should have made of them (another agent changed them, or the kernel
    /// refused part silently), or they could not be checked. `nil` when they match.
    static func drift(before: NamespacePair, plan: RoutePlan, pod: NetworkNamespace, node: NetworkNamespace = .current,
                      session: NamespaceSession? = nil) -> String? {
        guard !plan.isEmpty else { return nil }
        let expected: NamespacePair
        do { expected = try before.applying(plan) } catch {
            return "the plan was applied but its result cannot be simulated, so it was not verified: \(error)"
        }
        let problems: [String]
        do { problems = try PlanVerifier.verify(expected: expected, pod: pod, node: node, session: session) } catch {
            return "the plan was applied but the namespaces could not be read back to verify it: \(error)"
        }
        guard !problems.isEmpty else { return nil }
        return "the namespaces differ from the applied plan (drift): " + problems.joined(separator: "; ").split(separator: "\n").joined(separator: " ")
    }

    public func del(_ call: CNIInvocation) throws(CNIError) {
        let path = call.environment.netns
        let pod = NetworkNamespace(path: path)
        // With the Pod's namespace gone (or only the empty file of an unmounted one) nothing in
        // it can be undone: remove the node links this container marked, best effort, and
        // succeed without reading the configuration.
        guard !path.isEmpty, pod.exists, pod.isNetworkNamespace else {
            do throws(CNIError) {
                try NodeLock.withLock { () throws(CNIError) in
                    let node: NetworkState
                    do throws(NetlinkError) { node = try NetworkObserver.observe(.current) } catch { throw CNIError(code: 999, "failed to read the node's namespace", details: error.description) }
                    let state = NamespacePair(pod: NetworkState(), node: node)
                    let plan = (try? CoordinatorPlanner(config: CoordinatorConfig()).plan(state, invocation(call, .del, exists: false))) ?? RoutePlan()
                    guard !plan.isEmpty else { return }
                    do { try PlanExecutor(pod: .current, node: .current).execute(plan) } catch {
                        throw CNIError(code: 999, "coordinator DEL failed", details: "\(error)")
                    }
                }
            } catch {
                CNIProcess.log("coordinator", "DEL without the Pod's namespace left the node as it was: \(error.description)")
            }
            return
        }
        let config = try config(call, cleanup: true)
        if config.mode == .disabled { return }
        // CNI_NETNS naming the node's own namespace: nothing of a Pod to undo there.
        guard !pod.isCurrentProcessNamespace else { return }
        let session = NamespaceSession()
        defer { session.close() }
        try NodeLock.withLock { () throws(CNIError) in
            let state = try observe(pod, firewall: false, session: session)
            let plan: RoutePlan
            do throws(CoordinatorError) { plan = try CoordinatorPlanner(config: config).plan(state, invocation(call, .del)) } catch {
                throw CNIError(error)
            }
            do { try PlanExecutor(pod: pod, node: .current, session: session).execute(plan) } catch {
                throw CNIError(code: 999, "coordinator DEL failed", details: "\(error)")
            }
        }
    }

    public func check(_ call: CNIInvocation) throws(CNIError) {
        let config = try config(call)
        if config.mode == .disabled { return }
        let pod = NetworkNamespace(path: call.environment.netns)
        guard pod.exists else { throw CNIError(code: CNIError.unknownContainer, "the Pod's network namespace \(call.environment.netns) does not exist") }
        guard !pod.isCurrentProcessNamespace else { throw CoordinatorPlugin.nodeNamespaceError(call.environment.netns) }
        let state = try observe(pod, firewall: config.mode != .overlay && CoordinatorPlugin.hasIPTables)
        let plan: RoutePlan
        do { plan = try CoordinatorPlanner(config: config).plan(state, invocation(call, .add)) } catch {
            throw CNIError(error)
        }
        guard plan.isEmpty else {
            throw CNIError(code: 105, "the Pod's routes are out of sync", details: plan.operations.map { "missing: \($0.action.commandLine().joined(separator: " ")) (\($0.reason))" }.joined(separator: "; "))
        }
    }

    public func gc(_ call: CNIInvocation) throws(CNIError) {}

    public func status(_ call: CNIInvocation) throws(CNIError) {
        _ = try config(call)
    }
}
