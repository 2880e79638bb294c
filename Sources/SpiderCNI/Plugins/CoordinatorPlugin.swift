import Foundation
import SpiderCore
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
/// `ipam.spidernet.io/default-route-nic` arrives as `args["ipam.spidernet.io/default-route-nic"]`.
public struct CoordinatorPlugin: CNIPlugin {
    public static let defaultManifestPath = EmbeddedLedger.defaultRoot + "/spidercoordinator.yaml"

    public init() {}

    func config(_ call: CNIInvocation, cleanup: Bool = false) throws(CNIError) -> CoordinatorConfig {
        try CoordinatorPlugin.config(raw: call.raw, parsed: call.config, cleanup: cleanup)
    }

    /// The largest SpiderCoordinator manifest read (1 MiB).
    public static let manifestSizeLimit = 1 << 20

    /// The coordinator's settings for a CNI configuration (`raw`, and `parsed` as a JSON
    /// object): its keys, then the SpiderCoordinator manifest for what it leaves out, then the
    /// Pod's default-route annotation from `args`.
    ///
    /// With `cleanup` (DEL), the manifest is optional: missing, unreadable, invalid or not
    /// `Synced`, it is left out and the CNI configuration alone counts, so that a Pod can
    /// always be torn down. Errors never quote the manifest's content.
    public static func config(raw: Data, parsed: [String: Any], cleanup: Bool = false) throws(CNIError) -> CoordinatorConfig {
        let netConf: CoordinatorNetConf
        do { netConf = try CoordinatorNetConf(json: raw) } catch { throw CNIError(code: error.code, error.description) }
        var defaults = CoordinatorNetConf()
        do throws(CNIError) {
            if let manifest = try manifest(named: parsed["spiderCoordinator"] as? String) {
                if let phase = manifest.phase, phase != "Synced" {
                    throw CNIError(code: CNIError.tryAgainLater, "SpiderCoordinator \(manifest.name) is \(phase)", details: manifest.reason ?? "")
                }
                defaults = manifest.settings
            }
        } catch {
            if !cleanup { throw error }
            defaults = CoordinatorNetConf()
        }
        let annotation = (parsed["args"] as? [String: Any])?["ipam.spidernet.io/default-route-nic"] as? String
        do { return try CoordinatorConfig(netConf: netConf, defaults: defaults, defaultRouteAnnotation: annotation) } catch {
            throw CNIError(code: error.code, error.description)
        }
    }

    /// The SpiderCoordinator named by the configuration's `spiderCoordinator` (required to be
    /// there), else the default file when it exists, else `nil`. The file must be a regular
    /// file of at most ``manifestSizeLimit`` bytes; errors name the file and what was expected,
    /// never a line of it.
    static func manifest(named: String?) throws(CNIError) -> SpiderCoordinator? {
        let path = named ?? CoordinatorPlugin.defaultManifestPath
        let data: [UInt8]
        switch readManifestFile(path) {
        case .success(let bytes): data = bytes
        case .failure(let problem):
            if named == nil, problem.missing { return nil }
            throw CNIError(code: CNIError.invalidConfig, "cannot read SpiderCoordinator \(path)", details: problem.reason)
        }
        do {
            return try SpiderCoordinator.parse(String(decoding: data, as: UTF8.self))
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

    func observe(_ pod: NetworkNamespace, firewall: Bool) throws(CNIError) -> NamespacePair {
        do { return try CoordinatorPlugin.observe(pod: pod, node: .current, firewall: firewall) } catch {
            throw CNIError(code: 999, "failed to read the network namespaces", details: error.description)
        }
    }

    /// Reads what the planner needs: the Pod's namespace, and the node's with the kernel's
    /// route to each of the Pod's addresses.
    public static func observe(pod: NetworkNamespace, node: NetworkNamespace, firewall: Bool) throws(NetlinkError) -> NamespacePair {
        let podState = try NetworkObserver.observe(pod, firewall: firewall)
        let addresses = podState.addresses.filter { $0.device != "lo" }.map(\.address.address)
        return NamespacePair(pod: podState, node: try NetworkObserver.observe(node, routeGet: addresses))
    }

    /// The refusal for a `CNI_NETNS` that names the node's own namespace (this process's):
    /// the coordinator would otherwise tune the node as if it were a Pod.
    static func nodeNamespaceError(_ path: String) -> CNIError {
        CNIError(code: CNIError.invalidEnvironment, "CNI_NETNS \(path) is the node's own network namespace",
                 details: "the coordinator only changes a Pod's namespace; CNI_NETNS must name the Pod's (e.g. /var/run/netns/NAME)")
    }

    public static var hasIPTables: Bool {
        ["/usr/sbin/iptables", "/sbin/iptables"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public func add(_ call: CNIInvocation) throws(CNIError) -> String {
        guard let previous = call.config["prevResult"] as? [String: Any] else {
            throw CNIError(code: CNIError.invalidConfig, "the coordinator is a chained plugin: prevResult is required")
        }
        let result = try CNIResult(json: previous)
        let config = try config(call)
        if config.mode == .disabled { return result.json(version: call.version) }
        let pod = NetworkNamespace(path: call.environment.netns)
        guard pod.exists else { throw CNIError(code: CNIError.unknownContainer, "the Pod's network namespace \(call.environment.netns) does not exist") }
        guard !pod.isCurrentProcessNamespace else { throw CoordinatorPlugin.nodeNamespaceError(call.environment.netns) }
        let (before, plan) = try NodeLock.withLock { () throws(CNIError) -> (NamespacePair, RoutePlan) in
            let before = try observe(pod, firewall: config.mode != .overlay && CoordinatorPlugin.hasIPTables)
            let plan: RoutePlan
            do throws(CoordinatorError) { plan = try CoordinatorPlanner(config: config).plan(before, invocation(call, .add)) } catch {
                throw CNIError(code: error.code, error.description)
            }
            do {
                try PlanExecutor(pod: pod, node: .current).execute(plan)
            } catch {
                throw CNIError(code: 999, "coordinator failed, nothing was left changed", details: "\(error)")
            }
            return (before, plan)
        }
        if let expected = try? before.applying(plan), let problems = try? PlanVerifier.verify(expected: expected, pod: pod), !problems.isEmpty {
            FileHandle.standardError.write(Data(("coordinator: the namespaces differ from the plan:\n" + problems.joined(separator: "\n") + "\n").utf8))
        }
        return result.json(version: call.version)
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
                FileHandle.standardError.write(Data("coordinator: DEL without the Pod's namespace left the node as it was: \(error.description)\n".utf8))
            }
            return
        }
        let config = try config(call, cleanup: true)
        if config.mode == .disabled { return }
        // CNI_NETNS naming the node's own namespace: nothing of a Pod to undo there.
        guard !pod.isCurrentProcessNamespace else { return }
        try NodeLock.withLock { () throws(CNIError) in
            let state = try observe(pod, firewall: false)
            let plan: RoutePlan
            do throws(CoordinatorError) { plan = try CoordinatorPlanner(config: config).plan(state, invocation(call, .del)) } catch {
                throw CNIError(code: error.code, error.description)
            }
            do { try PlanExecutor(pod: pod, node: .current).execute(plan) } catch {
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
            throw CNIError(code: error.code, error.description)
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
