import Foundation
import Testing
import SpiderCore
@testable import SpiderNetlink

/// Every kind of operation the planner emits, on a real kernel, both families; tolerance of
/// "already there"/"already gone"; rollback after a failure; and the observer's view.
@Suite("Executor and observer on a real kernel")
struct ExecutorKernelTests {
    /// Two namespaces joined by a veth (`a0` in `pod`, `b0` in `node`), both up, with addresses.
    static func pair() throws -> (pod: TestNamespace, node: TestNamespace) {
        let pod = try TestNamespace("sppod"), node = try TestNamespace("spnode")
        try pod.ip("link add a0 type veth peer name b0 netns \(node.name)")
        try pod.ip("link set a0 up")
        try node.ip("link set b0 up")
        try pod.ip("address add 10.9.0.2/24 dev a0")
        try pod.ip("address add fd09::2/64 dev a0 nodad")
        try node.ip("address add 10.9.0.1/24 dev b0")
        try node.ip("address add fd09::1/64 dev b0 nodad")
        return (pod, node)
    }

    static func plan(_ steps: [(NamespaceRole, PlanAction)]) -> RoutePlan {
        RoutePlan(steps.map { PlannedOperation($0.0, $0.1, reason: "test") })
    }

    static func route(_ text: String, _ family: IPFamily) throws -> Route { try Route(parsing: text, family: family) }

    @Test("every operation kind, IPv4 and IPv6, matches the simulator")
    func everyOperation() throws {
        try RootRequirement.check(iptables: true)
        let (pod, node) = try Self.pair()
        let podNS = NetworkNamespace(path: pod.path), nodeNS = NetworkNamespace(path: node.path)
        let before = NamespacePair(pod: try NetworkObserver.observe(podNS, firewall: true), node: try NetworkObserver.observe(nodeNS))
        let veth = VethPair(name: "veth0", mac: try #require(MACAddress("02:11:22:33:44:55")), peerName: "vethtest0",
                            peerMAC: try #require(MACAddress("02:11:22:33:44:66")), mtu: 1400)
        let plan = Self.plan([
            (.pod, .addVethPair(veth)),
            (.node, .setLinkUp(name: "vethtest0")),
            (.pod, .setLinkUp(name: "veth0")),
            (.pod, .setLinkMTU(name: "veth0", mtu: 1450)),
            (.pod, .setLinkMAC(name: "a0", mac: try #require(MACAddress("0a:1b:0a:09:00:02")))),
            (.pod, .setLinkTxQueueLength(name: "a0", length: 2000)),
            (.pod, .addAddress(try InterfaceAddress(parsing: "169.254.100.1/32 dev veth0"))),
            (.pod, .addRoute(try Self.route("10.9.0.1 dev a0 scope link src 10.9.0.2 table 101", .v4))),
            (.pod, .addRoute(try Self.route("10.99.0.0/16 via 10.9.0.1 dev a0 src 10.9.0.2", .v4))),
            (.pod, .addRoute(try Self.route("default via 10.9.0.1 dev a0 table 100", .v4))),
            (.pod, .addRoute(try Self.route("fd99::/64 via fd09::1 dev a0", .v6))),
            (.pod, .addRoute(try Self.route("fd09::1 dev a0 table 101", .v6))),
            (.pod, .deleteRoute(try Self.route("10.99.0.0/16 via 10.9.0.1 dev a0 src 10.9.0.2", .v4))),
            (.pod, .addRule(try RoutingRule(parsing: "from 10.9.0.2 lookup 101", family: .v4))),
            (.pod, .addRule(try RoutingRule(parsing: "1000: from all fwmark 0x1 lookup 100", family: .v4))),
            (.pod, .addRule(try RoutingRule(parsing: "from fd09::2 lookup 101", family: .v6))),
            (.pod, .deleteRule(try RoutingRule(parsing: "from 10.9.0.2 lookup 101", family: .v4))),
            (.pod, .addNeighbour(try Neighbour(parsing: "10.9.0.1 dev a0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"))),
            (.pod, .addNeighbour(try Neighbour(parsing: "fd09::1 dev a0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"))),
            (.node, .addNeighbour(try Neighbour(parsing: "10.9.0.2 dev b0 lladdr 02:00:00:00:00:02 PERMANENT"))),
            (.node, .deleteNeighbour(try Neighbour(parsing: "10.9.0.2 dev b0 lladdr 02:00:00:00:00:02 PERMANENT"))),
            (.pod, .setSysctl(key: "net.ipv4.conf.all.rp_filter", value: "2")),
            (.node, .setSysctl(key: "net.ipv6.conf.vethtest0.accept_ra", value: "0")),
            (.pod, .appendFirewallRule(FirewallRule(family: .v4, specification: "-A OUTPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"))),
            (.pod, .appendFirewallRule(FirewallRule(family: .v6, specification: "-A OUTPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"))),
        ])
        let report = try PlanExecutor(pod: podNS, node: nodeNS).execute(plan)
        #expect(report.applied.count == plan.operations.count, "already done: \(report.alreadyDone)")
        let after = NamespacePair(pod: try NetworkObserver.observe(podNS, firewall: true), node: try NetworkObserver.observe(nodeNS))
        let simulated = try before.applying(plan)
        #expect(PlanVerifier.differences(expected: simulated, actual: after) == [])
        let veth0 = try #require(after.pod.link(named: "veth0"))
        #expect(veth0.mtu == 1450 && veth0.mac == veth.mac && veth0.isUp)
        #expect(after.node.link(named: "vethtest0")?.peerIndex == veth0.index)
        #expect(after.pod.link(named: "a0")?.txqueuelen == 2000)
        #expect(after.pod.firewallRules.count == 2)
        #expect(after.node.sysctls["net.ipv6.conf.vethtest0.accept_ra"] == "0")

        // Again: every add finds its object and every delete finds it gone — except the objects the
        // plan itself adds and then deletes (8/12, 13/16, 19/20), and the rule added without a
        // priority (15), which the kernel adds again one priority lower instead of refusing.
        let again = try PlanExecutor(pod: podNS, node: nodeNS).execute(plan)
        #expect(again.applied == [8, 12, 13, 15, 16, 19, 20], "re-applied: \(again.applied)")
    }

    @Test("an IPv6 multipath path is removed, the other stays")
    func multipathPath() throws {
        try RootRequirement.check()
        let (pod, node) = try Self.pair()
        _ = node
        try pod.ip("link add a1 type veth peer name b1")
        try pod.ip("link set a1 up")
        try pod.ip("link set b1 up")
        try pod.ip("address add fd0a::2/64 dev a1 nodad")
        try pod.ip("-6 route add default metric 1024 nexthop via fd09::1 dev a0 nexthop via fd0a::1 dev a1")
        let podNS = NetworkNamespace(path: pod.path)
        let state = try NetworkObserver.observe(podNS)
        let multipath = try #require(state.routes.first { $0.isMultipath && $0.family == .v6 })
        let path = try #require(multipath.nexthops.first { $0.device == "a1" })
        try PlanExecutor(pod: podNS).execute(Self.plan([(.pod, .deleteNexthop(route: multipath, nexthop: path))]))
        let after = try NetworkObserver.observe(podNS).routes(table: .main, family: .v6).filter(\.isDefault)
        #expect(after.map(\.description) == ["default via fd09::1 dev a0 metric 1024 pref medium"])
    }

    @Test("a failing operation rolls back everything before it and names itself")
    func rollback() throws {
        try RootRequirement.check()
        let (pod, node) = try Self.pair()
        let podNS = NetworkNamespace(path: pod.path), nodeNS = NetworkNamespace(path: node.path)
        let before = NamespacePair(pod: try NetworkObserver.observe(podNS), node: try NetworkObserver.observe(nodeNS))
        let plan = Self.plan([
            (.pod, .addRoute(try Self.route("10.9.0.1 dev a0 scope link table 101", .v4))),
            (.pod, .addRule(try RoutingRule(parsing: "from 10.9.0.2 lookup 101", family: .v4))),
            (.node, .addNeighbour(try Neighbour(parsing: "10.9.0.2 dev b0 lladdr 02:00:00:00:00:02 PERMANENT"))),
            (.pod, .setSysctl(key: "net.ipv4.conf.all.rp_filter", value: "2")),
            (.pod, .setLinkMTU(name: "a0", mtu: 1300)),
            // The failure: a gateway that is not reachable.
            (.pod, .addRoute(try Self.route("10.77.0.0/16 via 192.0.2.1 dev a0", .v4))),
        ])
        #expect {
            try PlanExecutor(pod: podNS, node: nodeNS).execute(plan)
        } throws: { error in
            guard let failure = error as? PlanExecutor.Failure else { return false }
            return failure.index == 5 && failure.rollbackErrors.isEmpty && failure.description.contains("10.77.0.0/16")
        }
        let after = NamespacePair(pod: try NetworkObserver.observe(podNS), node: try NetworkObserver.observe(nodeNS))
        #expect(PlanVerifier.differences(expected: before, actual: after) == [])
        #expect(after.pod.link(named: "a0")?.mtu == 1500)
    }

    @Test("observe reads links, peers, masters and route get across namespaces")
    func observe() throws {
        try RootRequirement.check()
        let (pod, node) = try Self.pair()
        try node.ip("link add br0 type bridge")
        try node.ip("link add m0 link br0 type macvlan mode bridge")
        try node.ip("link set m0 netns \(pod.name)")
        let podState = try NetworkObserver.observe(NetworkNamespace(path: pod.path))
        let nodeState = try NetworkObserver.observe(NetworkNamespace(path: node.path), routeGet: [try #require(IPAddress("10.9.0.2"))])
        let a0 = try #require(podState.link(named: "a0")), b0 = try #require(nodeState.link(named: "b0"))
        #expect(a0.kind == .veth && a0.peerIndex == b0.index && b0.peerIndex == a0.index)
        let m0 = try #require(podState.link(named: "m0"))
        #expect(m0.kind == .macvlan && m0.masterIndex == nodeState.link(named: "br0")?.index)
        #expect(nodeState.routeGet[try #require(IPAddress("10.9.0.2"))] == IPAddress("10.9.0.1"))
        #expect(podState.routes(table: .main, family: .v4).map(\.description) == ["10.9.0.0/24 dev a0 proto kernel scope link src 10.9.0.2"])
    }

    @Test("a namespace that does not exist is a clear error")
    func missingNamespace() {
        #expect(throws: NetlinkError.self) { try NetworkObserver.observe(NetworkNamespace(path: "/var/run/netns/does-not-exist")) }
    }
}
