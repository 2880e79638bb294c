import Foundation
import SpiderCore
import SpiderScenario
import Testing

/// The decisions the planner records next to a plan: mode, first or later NIC, policy table,
/// the NIC that keeps the default route, skipped steps, what was in place, what DEL cleans up;
/// each with its reason.
struct PlanDecisionTests {
    struct Case: Sendable, CustomStringConvertible {
        /// A golden case (`Fixtures/golden/coordinator`) or one of ours (`Scenarios/coordinator`).
        let scenario: String
        /// Each expected decision: its kind and a part of its reason.
        let expected: [(PlanDecision.Kind, String)]
        var description: String { scenario }

        func load() throws -> CoordinatorScenario {
            scenario.hasPrefix("P") ? try GoldenCoordinatorCases.ownScenario(scenario + ".json")
                : try GoldenCoordinatorCases.scenario(scenario + ".json")
        }
    }

    static func plan(_ scenario: CoordinatorScenario) throws -> RoutePlan {
        let config = try CoordinatorConfig(netConf: scenario.netConf)
        return try CoordinatorPlanner(config: config).plan(scenario.before, scenario.invocation)
    }

    static let cases = [
        // Auto mode, overlay: the first NIC after eth0, eth0 keeps the default route.
        Case(scenario: "O1-overlay-calico-macvlan", expected: [
            (.mode, "overlay: mode auto, and net1 is not the first NIC (eth0)"),
            (.invocation, "first NIC: overlay"),
            (.policyTable, "table 101: the first NIC after eth0"),
            (.defaultRoute, "eth0 (it holds the Pod's default route and podDefaultRouteNic is not set)"),
            (.skipped, "the veth to the node and the marks for its replies: overlay"),
            (.skipped, "net1's MAC: podMACPrefix is not set"),
            (.skipped, "net1's txqueuelen: txQueueLen is 0"),
        ]),
        // Auto mode, underlay: the first NIC, nothing to share the default route with.
        Case(scenario: "U1-underlay-single-nic", expected: [
            (.mode, "underlay: mode auto, and eth0 is the first NIC"),
            (.invocation, "first NIC"),
            (.policyTable, "table 101"),
            (.skipped, "moving routes between NICs: eth0 is the first NIC"),
            (.skipped, "net.ipv6.conf.all.disable_ipv6: eth0 has no IPv6 address"),
        ]),
        // A later NIC: the table counts the NICs; the node's rule is the first NIC's.
        Case(scenario: "U2-underlay-second-nic", expected: [
            (.mode, "underlay: mode auto, and the Pod has veth0"),
            (.invocation, "a later NIC"),
            (.policyTable, "table 101: 3 NICs with broadcast are up"),
            (.skipped, "the veth to the node: net1 is not the first NIC"),
            (.skipped, "the Pod's neighbours and main-table routes for the node's addresses: net1 is a later NIC"),
            (.inPlace, "the node's IPv4 rule (1000: from all lookup 500) is there already"),
            (.defaultRoute, "eth0 (it holds the Pod's default route"),
        ]),
        Case(scenario: "P03-three-nics-overlay-net2", expected: [
            (.invocation, "a later NIC: overlay, and 3 NICs with broadcast are up"),
            (.policyTable, "table 102: 3 NICs with broadcast are up, so table max(3 + 99, 101)"),
        ]),
        Case(scenario: "P04-three-nics-underlay-net2", expected: [
            (.policyTable, "table 102: 4 NICs with broadcast are up (net2 counted), so table max(4 + 98, 101)"),
        ]),
        Case(scenario: "O3-overlay-default-route-net1", expected: [
            (.defaultRoute, "net1 (podDefaultRouteNic; eth0 held it): eth0's default route, if any, leaves main for table 101"),
        ]),
        Case(scenario: "E03-mode-disabled", expected: [(.mode, "disabled")]),
        Case(scenario: "P09-overlay-tune-pod-routes-false", expected: [(.skipped, "moving routes between NICs: tunePodRoutes is false")]),
        Case(scenario: "P10-underlay-rp-filter-untouched", expected: [(.skipped, "rp_filter: podRPFilter is -1")]),
        Case(scenario: "P02-ipv6-only-underlay-single-nic", expected: [
            (.skipped, "vethLinkAddress 169.254.100.1 on veth0: the NIC has no IPv4 address"),
            (.skipped, "policy route 10.10.0.0/16 via 172.100.0.1: eth0 has no IPv4 address"),
        ]),
        Case(scenario: "P12-overlay-idempotent-readd", expected: [(.inPlace, "already as wanted, so not planned: 7 routes, 2 rules")]),
        Case(scenario: "P18-del-overlay-net1", expected: [(.cleanup, "no underlay veth to delete")]),
        Case(scenario: "P14-del-netns-gone", expected: [(.cleanup, "the Pod's namespace is gone")]),
    ]

    @Test("each case records its mode, invocation, table, default route, skipped steps and clean-up", arguments: cases)
    func decisions(_ c: Case) throws {
        let plan = try Self.plan(try c.load())
        for (kind, text) in c.expected {
            #expect(plan.decisions.contains { $0.kind == kind && $0.reason.contains(text) },
                    "\(c.scenario): no \(kind.rawValue) decision with '\(text)' in \(plan.decisions.map(\.description))")
        }
    }

    static let allScenarios: [String] = {
        let golden = (try? GoldenCoordinatorCases.names) ?? []
        return golden.map { String($0.dropLast(5)) } + GoldenCoordinatorCases.ownNames.map { String($0.dropLast(5)) }
    }()

    @Test("an ADD that plans says its mode, invocation and table once each, before anything else", arguments: allScenarios)
    func addSaysHowItReadTheSituation(_ name: String) throws {
        let scenario = try Case(scenario: name, expected: []).load()
        guard scenario.invocation.command == .add, let plan = try? Self.plan(scenario) else { return }
        let kinds = plan.decisions.map(\.kind)
        guard kinds != [.mode] else { return } // disabled
        #expect(Array(kinds.prefix(3)) == [.mode, .invocation, .policyTable], "\(name): \(plan.decisions)")
        #expect(kinds.count(where: { $0 == .mode }) == 1 && kinds.count(where: { $0 == .policyTable }) == 1, "\(name)")
        #expect(kinds.count(where: { $0 == .defaultRoute }) <= 1, "\(name)")
        #expect(plan.decisions.allSatisfy { !$0.reason.isEmpty && !$0.reason.contains("\n") }, "\(name): one line each")
    }

    @Test("detection: where each check sits, its probes and bound, the code of each outcome; the announcement after the steps")
    func detectionDecisions() throws {
        var scenario = try Case(scenario: "O1-overlay-calico-macvlan", expected: []).load()
        let plain = try Self.plan(scenario)
        #expect(plain.decisions.contains { $0.kind == .skipped && $0.reason.contains("IP conflict and gateway detection: detectIPConflict and detectGateway are false") })
        #expect(plain.decisions.contains { $0.kind == .skipped && $0.reason.contains("announcing net1's addresses") })
        scenario.netConf.detectIPConflict = true
        scenario.netConf.detectGateway = true
        scenario.netConf.detectOptions = CoordinatorNetConf.RawDetectOptions(retries: 2, interval: "5ms", timeout: "50ms")
        let plan = try Self.plan(scenario)
        let detection = plan.decisions.filter { $0.kind == .detection }.map(\.reason)
        #expect(detection.count == 3, "\(detection)")
        #expect(detection.contains { $0.hasPrefix("before any step, detectIPConflict probes net1's") && $0.contains("2 probes 5ms apart")
            && $0.contains("at most 55ms") && $0.contains("code 110") && $0.contains("no step below is applied") }, "\(detection)")
        #expect(detection.contains { $0.hasPrefix("before any step, detectGateway") && $0.contains("code 111") }, "\(detection)")
        #expect(detection.contains { $0.hasPrefix("after the steps, net1's addresses are announced") }, "\(detection)")
        #expect(plan.operations == plain.operations, "detection changes no step of the plan")
    }

    @Test("decisions explain a plan but do not change what it does: plans compare by their operations")
    func equality() {
        let a = RoutePlan([], decisions: [PlanDecision(.mode, "overlay")])
        #expect(a == RoutePlan())
        #expect(a.isEmpty)
        #expect(a.hashValue == RoutePlan().hashValue)
        #expect(PlanDecision(.policyTable, "table 101").description == "policy-table: table 101")
    }

    @Test("a second ADD plans nothing and still says why", arguments: ["O1-overlay-calico-macvlan", "U1-underlay-single-nic", "U2-underlay-second-nic"])
    func secondAdd(_ name: String) throws {
        let scenario = try Case(scenario: name, expected: []).load()
        let config = try CoordinatorConfig(netConf: scenario.netConf)
        let planner = CoordinatorPlanner(config: config)
        let first = try planner.plan(scenario.before, scenario.invocation)
        let again = try planner.plan(try scenario.before.applying(first), scenario.invocation)
        #expect(again.isEmpty)
        #expect(again.decisions.contains { $0.kind == .mode })
        let inPlace = try #require(again.decisions.last, "\(name)")
        #expect(inPlace.kind == .inPlace && inPlace.reason.contains(" routes"), "\(name): \(again.decisions)")
        #expect(!first.decisions.contains { $0.kind == .inPlace && $0.reason.contains(" routes") }, "\(name): a first ADD finds no route in place")
    }

    @Test("CHECK plans nothing and says so")
    func check() throws {
        let plan = try CoordinatorPlanner(config: CoordinatorConfig()).plan(
            NamespacePair(pod: NetworkState(), node: NetworkState()), CoordinatorInvocation(command: .check, containerID: "c0ffee", interface: "net1"))
        #expect(plan.isEmpty && plan.decisions.map(\.kind) == [.skipped], "\(plan.decisions)")
    }

    @Test("DEL without the Pod's namespace says what it cleans up")
    func delWithoutNamespace() throws {
        let plan = try CoordinatorPlanner(config: CoordinatorConfig()).plan(
            NamespacePair(pod: NetworkState(), node: NetworkState()),
            CoordinatorInvocation(command: .del, containerID: "c0ffee", interface: "net1", podNamespaceExists: false))
        #expect(plan.decisions.contains { $0.kind == .cleanup && $0.reason.contains("namespace is gone") }, "\(plan.decisions)")
    }

    @Test("DEL says what it leaves: the node's rule while another Pod's route is in the table, the node's own neighbour entry")
    func delLeaves() throws {
        let up: LinkFlags = [.broadcast, .multicast, .up, .lowerUp]
        var pod = NetworkState()
        pod.links = [Link(name: "net1", index: 3, kind: .macvlan, flags: up)]
        pod.addresses = [try InterfaceAddress(parsing: "10.6.212.145/16 dev net1")]
        var node = NetworkState()
        node.links = [Link(name: "ens192", index: 2, kind: .bridge, flags: up),
                      Link(name: "cali1", index: 5, kind: .veth, flags: up),
                      Link(name: "cali2", index: 6, kind: .veth, flags: up)]
        node.routes = [try Route(parsing: "10.6.212.145 dev cali1 table 500 scope link"),
                       try Route(parsing: "10.6.212.146 dev cali2 table 500 scope link")]
        node.rules = [try RoutingRule(parsing: "1000: from all lookup 500", family: .v4)]
        node.neighbours = [try Neighbour(parsing: "10.6.212.145 dev ens192 lladdr aa:aa:aa:aa:aa:01 REACHABLE")]
        let plan = try CoordinatorPlanner(config: CoordinatorConfig()).plan(
            NamespacePair(pod: pod, node: node), CoordinatorInvocation(command: .del, containerID: "c0ffee", interface: "net1"))
        #expect(plan.operations.map { $0.action.commandLine().joined(separator: " ") } == ["ip route delete 10.6.212.145 dev cali1 scope link table 500"])
        #expect(plan.decisions.contains { $0.kind == .cleanup && $0.reason.contains("rule (1000: from all lookup 500) stays: 1 route remains in table 500") },
                "\(plan.decisions)")
        #expect(plan.decisions.contains { $0.kind == .cleanup && $0.reason.contains("dev ens192") && $0.reason.contains("stays") }, "\(plan.decisions)")
    }
}
