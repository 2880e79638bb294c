import ArgumentParser
import Foundation
import SpiderCNI
import SpiderCore
import SpiderNetlink

/// `spiderctl inspect`: a live Pod against what the coordinator would make of it now.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Compare a live Pod's rules, routes and neighbours with what the coordinator would set up now.",
        discussion: """
            Reads the Pod's and the node's network namespaces (root), plans the coordinator's \
            ADD for the NIC with the given configuration, and prints every difference: what is \
            missing, what is extra, what is set differently, each with the planner's reason. \
            Nothing is changed. The tool for "why does my Pod's traffic leave by the wrong NIC".

            Exit codes: 0 in sync, 2 out of sync, 1 when the Pod cannot be read or the \
            configuration is bad.

            Examples:
              spiderctl inspect --netns /var/run/netns/cni-1234 --config coordinator.json
              spiderctl inspect --netns /proc/4242/ns/net --ifname net1 --config /etc/cni/net.d/10-macvlan.conflist -o json
            """
    )

    @Option(help: ArgumentHelp("The Pod's network namespace (a path such as /var/run/netns/NAME or /proc/PID/ns/net).", valueName: "PATH"))
    var netns: String

    @Option(name: .customLong("node-netns"), help: ArgumentHelp("The node's network namespace (default: this process's).", valueName: "PATH"))
    var nodeNetns: String?

    @Option(help: ArgumentHelp("The coordinator's CNI configuration: the plugin's JSON, or a conflist holding a `coordinator` entry.", valueName: "FILE"))
    var config: String

    @Option(help: ArgumentHelp("The NIC the coordinator was chained for.", valueName: "NAME"))
    var ifname = "net1"

    @Option(name: .customLong("container-id"), help: ArgumentHelp("The CNI container ID (names the host veth in underlay mode).", valueName: "ID"))
    var containerID = "inspect"

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let entry = try InspectCommand.coordinatorEntry(config)
        let settings: CoordinatorConfig
        do throws(CNIError) { settings = try CoordinatorPlugin.config(entry, yamlReader: CNIEntry.readYAML) } catch {
            throw CommandFailure("\(config): \(error.message)\(error.details.isEmpty ? "" : ": " + error.details)")
        }
        let pod = NetworkNamespace(path: netns)
        guard pod.exists else { throw CommandFailure("the Pod's network namespace \(netns) does not exist") }
        let node = nodeNetns.map { NetworkNamespace(path: $0) } ?? .current
        guard node.exists else { throw CommandFailure("the node's network namespace \(nodeNetns ?? "") does not exist") }
        let drift: PlanDrift
        if settings.mode == .disabled {
            drift = PlanDrift(plan: RoutePlan())
        } else {
            let state: NamespacePair
            do {
                state = try CoordinatorPlugin.observe(pod: pod, node: node, firewall: settings.mode != .overlay && CoordinatorPlugin.hasIPTables)
            } catch {
                throw CommandFailure("cannot read the namespaces: \(error.description)")
            }
            guard state.pod.links.contains(where: { $0.name == ifname }) else {
                throw CommandFailure("the Pod has no interface \(ifname) (it has \(state.pod.links.map(\.name).sorted().joined(separator: ", ")))")
            }
            let invocation = CoordinatorInvocation(command: .add, containerID: containerID, interface: ifname)
            do { drift = PlanDrift(plan: try CoordinatorPlanner(config: settings).plan(state, invocation)) } catch {
                throw CommandFailure("the coordinator would refuse this Pod: \(error.description)")
            }
        }
        switch output {
        case .json: Console.print(InspectCommand.json(drift, netns: netns, ifname: ifname, mode: settings.mode.rawValue))
        case .text: Console.print(InspectCommand.text(drift, netns: netns, ifname: ifname, mode: settings.mode.rawValue))
        }
        if !drift.inSync { throw ExitCode(2) }
    }

    /// The coordinator's entry of a plugin config or a conflist, as bytes and as an object.
    /// The coordinator's entry of a CNI configuration file: the file itself, or the plugin of
    /// type `coordinator` of a conflist (with the conflist's name and version).
    static func coordinatorEntry(_ path: String) throws -> ManifestValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read '\(path)'") }
        guard let object = ManifestValue.parse(json: Array(data)), object.objectValue != nil else {
            throw CommandFailure("\(path): not a JSON object")
        }
        guard let plugins = object["plugins"]?.arrayValue else { return object }
        guard var entry = plugins.first(where: { $0["type"]?.stringValue == "coordinator" }) else {
            throw CommandFailure("\(path): the conflist has no plugin of type coordinator")
        }
        // A conflist's name and version belong to each of its plugins.
        for key in ["cniVersion", "name"] where entry[key] == nil { entry[key] = object[key] }
        return entry
    }

    static func text(_ drift: PlanDrift, netns: String, ifname: String, mode: String) -> String {
        guard !drift.inSync else { return "in sync: \(netns) \(ifname) is what the coordinator (\(mode)) would make of it" }
        var lines = ["out of sync: \(netns) \(ifname), \(drift.items.count) difference\(drift.items.count == 1 ? "" : "s") from the coordinator (\(mode))"]
        var table = TextTable(["STATE", "WHERE", "WHAT", "WHY"])
        for item in drift.items { table.add([item.kind.rawValue, item.namespace.rawValue, item.command, item.reason]) }
        lines += table.lines
        return lines.joined(separator: "\n")
    }

    static func json(_ drift: PlanDrift, netns: String, ifname: String, mode: String) -> String {
        let items: [ManifestValue] = drift.items.map { item in
            .object([("state", .string(item.kind.rawValue)), ("namespace", .string(item.namespace.rawValue)),
                     ("command", .string(item.command)), ("reason", .string(item.reason))])
        }
        return ManifestValue.object([("inSync", .bool(drift.inSync)), ("netns", .string(netns)), ("interface", .string(ifname)),
                                     ("mode", .string(mode)), ("differences", .array(items))]).json(pretty: true)
    }
}
