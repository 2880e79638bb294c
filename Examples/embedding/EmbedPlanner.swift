import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

// Using SpiderCore's coordinator planner from another CNI tool: describe the Pod's and the
// node's namespaces (here in `ip` syntax, as a tool would after reading them), give the
// coordinator settings, plan an ADD, and look at the plan and at the tables it leads to.
// Nothing here needs root or touches a kernel: executing the plan is SpiderNetlink's job
// (`PlanExecutor`), or the embedding tool's own.
//
//   swift run embed-planner

@main
enum EmbedPlanner {
    static func main() {
        do {
            try run()
        } catch {
            // Every SpiderCore error says what is wrong in a sentence.
            print("error: \(error)")
            exit(1)
        }
    }

    static func run() throws {
        // The Pod after Calico (eth0) and macvlan (net1) ran: links, addresses, routes.
        let pod = NetworkState(
            links: [
                Link(name: "lo", index: 1, kind: .loopback),
                Link(name: "eth0", index: 2, kind: .veth, mac: MACAddress("9e:1f:6a:52:30:01"), flags: [.up, .broadcast, .multicast], peerIndex: 7),
                Link(name: "net1", index: 3, kind: .macvlan, mac: MACAddress("02:1c:44:70:01:c8"), flags: [.up, .broadcast, .multicast]),
            ],
            addresses: [
                try InterfaceAddress(parsing: "10.233.64.2/32 dev eth0"),
                try InterfaceAddress(parsing: "10.6.212.200/16 dev net1"),
            ],
            routes: [
                try Route(parsing: "default via 169.254.1.1 dev eth0"),
                try Route(parsing: "169.254.1.1 dev eth0 scope link"),
                try Route(parsing: "10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.200"),
            ]
        )
        // The node: its underlay NIC and the route to the Pod's eth0.
        var node = NetworkState(
            links: [
                Link(name: "lo", index: 1, kind: .loopback),
                Link(name: "ens192", index: 2, kind: .other("bridge"), mac: MACAddress("00:50:56:b4:01:32"), flags: [.up, .broadcast, .multicast]),
                Link(name: "cali1a2b3c4d5e", index: 7, kind: .veth, mac: MACAddress("ee:ee:ee:ee:ee:ee"), flags: [.up, .broadcast, .multicast], peerIndex: 2),
            ],
            addresses: [try InterfaceAddress(parsing: "10.6.212.132/16 dev ens192")],
            routes: [
                try Route(parsing: "10.233.64.2 dev cali1a2b3c4d5e scope link"),
                try Route(parsing: "10.6.0.0/16 dev ens192 proto kernel scope link src 10.6.212.132"),
            ]
        )
        // The source the node's kernel picks to reach each Pod address (`ip route get`).
        for pod in ["10.233.64.2", "10.6.212.200"] {
            if let address = IPAddress(pod), let source = IPAddress("10.6.212.132") { node.routeGet[address] = source }
        }

        // The coordinator's settings, as its CNI configuration would give them.
        let netConf = try CoordinatorNetConf(json: Array("""
            {"cniVersion": "1.0.0", "name": "macvlan-ens192", "type": "coordinator", "mode": "overlay",
             "overlayPodCIDR": ["10.233.64.0/18"], "serviceCIDR": ["10.233.0.0/18"]}
            """.utf8))
        let config = try CoordinatorConfig(netConf: netConf)

        let state = NamespacePair(pod: pod, node: node)
        let plan = try CoordinatorPlanner(config: config).plan(state, CoordinatorInvocation(command: .add, containerID: "c0ffee", interface: "net1"))
        print("The coordinator's ADD, \(plan.operations.count) operations:")
        for operation in plan.operations {
            print("  [\(operation.namespace)] \(operation.action.commandLine().joined(separator: " "))")
            print("      why: \(operation.reason)")
        }

        // The tables after the plan, without a kernel: what a golden test would assert.
        let after = try state.applying(plan)
        print("\nThe Pod's rules after ADD:")
        for rule in after.pod.rules { print("  \(rule)") }
        for table: RouteTable in [100, 101] {
            print("table \(table):")
            for route in after.pod.routes(table: table, family: .v4) { print("  \(route)") }
        }

        // Planning again on the result plans nothing: ADD is idempotent.
        let again = try CoordinatorPlanner(config: config).plan(after, CoordinatorInvocation(command: .add, containerID: "c0ffee", interface: "net1"))
        print("\nA second ADD plans \(again.operations.count) operations.")
    }
}
