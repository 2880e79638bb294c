import Foundation
import SpiderCore
import SpiderNetlink

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

    func config(_ call: CNIInvocation) throws(CNIError) -> CoordinatorConfig {
        try CoordinatorPlugin.config(raw: call.raw, parsed: call.config)
    }

    /// The coordinator's settings for a CNI configuration (`raw`, and `parsed` as a JSON
    /// object): its keys, then the SpiderCoordinator manifest for what it leaves out, then the
    /// Pod's default-route annotation from `args`.
    public static func config(raw: Data, parsed: [String: Any]) throws(CNIError) -> CoordinatorConfig {
        let netConf: CoordinatorNetConf
        do { netConf = try CoordinatorNetConf(json: raw) } catch { throw CNIError(code: error.code, error.description) }
        var defaults = CoordinatorNetConf()
        let named = parsed["spiderCoordinator"] as? String
        let path = named ?? CoordinatorPlugin.defaultManifestPath
        if let data = FileManager.default.contents(atPath: path) {
            do {
                let manifest = try SpiderCoordinator.parse(String(decoding: data, as: UTF8.self))
                if let phase = manifest.phase, phase != "Synced" {
                    throw CNIError(code: CNIError.tryAgainLater, "SpiderCoordinator \(manifest.name) is \(phase)", details: manifest.reason ?? "")
                }
                defaults = manifest.settings
            } catch let error as CNIError {
                throw error
            } catch {
                throw CNIError(code: CNIError.invalidConfig, "cannot read SpiderCoordinator \(path)", details: "\(error)")
            }
        } else if named != nil {
            throw CNIError(code: CNIError.invalidConfig, "cannot read SpiderCoordinator \(path)")
        }
        let annotation = (parsed["args"] as? [String: Any])?["ipam.spidernet.io/default-route-nic"] as? String
        do { return try CoordinatorConfig(netConf: netConf, defaults: defaults, defaultRouteAnnotation: annotation) } catch {
            throw CNIError(code: error.code, error.description)
        }
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
        // With the Pod's namespace gone there is nothing to undo: succeed before reading anything else.
        let pod = NetworkNamespace(path: call.environment.netns)
        guard !call.environment.netns.isEmpty, pod.exists else { return }
        let config = try config(call)
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
