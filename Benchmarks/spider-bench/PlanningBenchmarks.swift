import Foundation
import SpiderCore
import SpiderScenario

/// Planning benchmarks: the quick-start case (O1) and a 4-NIC dual-stack overlay Pod.
enum PlanningBenchmarks {
    static func parse<T>(_ lines: [String], _ make: (String) throws -> T) -> [T] {
        lines.map { line in
            do { return try make(line) } catch { fatalError("benchmark input '\(line)': \(error)") }
        }
    }

    /// Calico eth0 plus macvlan net1…net3, each with an IPv4 and an IPv6 address, before the
    /// coordinator ran on any of them.
    static func fourNICPod() -> NamespacePair {
        var pod = NetworkState()
        let up: LinkFlags = [.broadcast, .multicast, .up, .lowerUp]
        pod.links = [Link(name: "lo", index: 1, kind: .loopback, mtu: 65536, flags: [.loopback, .up, .lowerUp]),
                     Link(name: "eth0", index: 2, kind: .veth, mac: MACAddress("82:b1:35:b3:4d:90"), flags: up, peerIndex: 5)]
        var addresses = ["10.233.73.210/32 dev eth0", "fd85:ee78:d8a6:8607::1:eb84/128 dev eth0"]
        var routes4 = ["default via 169.254.1.1 dev eth0", "169.254.1.1 dev eth0 scope link"]
        var routes6 = ["fd85:ee78:d8a6:8607::1:eb84 dev eth0 proto kernel metric 256 pref medium",
                       "default via fe80::ecee:eeff:feee:eeee dev eth0 metric 1024 pref medium"]
        var routeGet: [IPAddress: IPAddress] = [:]
        routeGet[IPAddress("10.233.73.210")!] = IPAddress("10.6.212.132")
        routeGet[IPAddress("fd85:ee78:d8a6:8607::1:eb84")!] = IPAddress("fd00:10:6::132")
        for n in 1...3 {
            pod.links.append(Link(name: "net\(n)", index: 5 + n, kind: .macvlan, mac: MACAddress("4e:7e:56:bb:05:0\(n)"), flags: up,
                                  master: "ens192", masterIndex: 2))
            addresses += ["10.\(5 + n).212.145/16 dev net\(n)", "fd00:10:\(5 + n)::2e5/64 dev net\(n)"]
            routes4 += ["default via 10.\(5 + n).0.1 dev net\(n) metric \(n)", "10.\(5 + n).0.0/16 dev net\(n) proto kernel scope link src 10.\(5 + n).212.145"]
            routes6 += ["fd00:10:\(5 + n)::/64 dev net\(n) proto kernel metric 256 pref medium"]
            routeGet[IPAddress("10.\(5 + n).212.145")!] = IPAddress("10.6.212.132")
            routeGet[IPAddress("fd00:10:\(5 + n)::2e5")!] = IPAddress("fd00:10:6::132")
        }
        pod.addresses = parse(addresses) { try InterfaceAddress(parsing: $0) }
        pod.routes = parse(routes4) { try Route(parsing: $0, family: .v4) } + parse(routes6) { try Route(parsing: $0, family: .v6) }
        var node = NetworkState()
        node.links = [Link(name: "lo", index: 1, kind: .loopback, mtu: 65536, flags: [.loopback, .up, .lowerUp]),
                      Link(name: "ens192", index: 2, kind: .bridge, flags: up),
                      Link(name: "cali1a2b3c4d5e", index: 5, kind: .veth, mac: MACAddress("ee:ee:ee:ee:ee:ee"), flags: up, peerIndex: 2)]
        node.addresses = parse(["10.6.212.132/16 dev ens192", "fd00:10:6::132/64 dev ens192"]) { try InterfaceAddress(parsing: $0) }
        node.routeGet = routeGet
        return NamespacePair(pod: pod, node: node)
    }

    static func config() -> CoordinatorConfig {
        var netConf = CoordinatorNetConf()
        netConf.mode = "overlay"
        netConf.overlayPodCIDR = ["10.233.64.0/18", "fd85:ee78:d8a6:8607::1:0/112"]
        netConf.serviceCIDR = ["10.233.0.0/18", "fd00:10:233::/116"]
        do { return try CoordinatorConfig(netConf: netConf) } catch { fatalError("benchmark config: \(error)") }
    }

    static func run() -> [(String, String, String)] {
        var rows: [(String, String, String)] = []
        let config = config()
        let planner = CoordinatorPlanner(config: config)

        let o1Case = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/golden/coordinator/O1-overlay-calico-macvlan.json")
        if let data = FileManager.default.contents(atPath: o1Case.path), let scenario = try? CoordinatorScenario(json: data),
           let o1Config = try? CoordinatorConfig(netConf: scenario.netConf) {
            let o1 = CoordinatorPlanner(config: o1Config)
            let ns = measure("O1") { (try? o1.plan(scenario.before, scenario.invocation))?.operations.count ?? 0 }
            let withSimulation = measure("O1+sim") {
                guard let plan = try? o1.plan(scenario.before, scenario.invocation) else { return 0 }
                return (try? scenario.before.applying(plan))?.pod.routes.count ?? 0
            }
            rows.append(("plan O1 (quick start: Calico eth0 + macvlan net1, ADD net1)", format(ns), format(withSimulation)))
        } else {
            rows.append(("plan O1", "skipped: \(o1Case.path) not found", "—"))
        }

        // A 4-NIC dual-stack Pod: ADD net1, net2, net3 in turn (each against the state the previous left).
        let start = fourNICPod()
        let ns = measure("4nic") {
            var world = start
            var operations = 0
            for n in 1...3 {
                let invocation = CoordinatorInvocation(command: .add, containerID: "4nic", interface: "net\(n)")
                guard let plan = try? planner.plan(world, invocation), let next = try? world.applying(plan) else { return -1 }
                operations += plan.operations.count
                world = next
            }
            return operations
        }
        var world = start
        var operations = 0
        for n in 1...3 {
            let invocation = CoordinatorInvocation(command: .add, containerID: "4nic", interface: "net\(n)")
            do {
                let plan = try planner.plan(world, invocation)
                operations += plan.operations.count
                world = try world.applying(plan)
            } catch {
                fatalError("4-NIC benchmark: net\(n): \(error)")
            }
        }
        rows.append(("4-NIC dual-stack Pod: plan + apply net1, net2, net3 (\(operations) operations), per NIC", format(ns / 3), "total \(format(ns))"))
        return rows
    }
}
