import Foundation
import SpiderCore
import SpiderScenario
import Testing

/// The decisions the planner records next to a plan: mode, first or later NIC, policy table,
/// skipped steps, with their reasons.
struct PlanDecisionTests {
    struct Case: Sendable, CustomStringConvertible {
        let scenario: String
        /// Each expected decision: its kind and a part of its reason.
        let expected: [(PlanDecision.Kind, String)]
        var description: String { scenario }
    }

    static let cases = [
        Case(scenario: "O1-overlay-calico-macvlan", expected: [
            (.mode, "overlay: mode auto, and net1 is not the first NIC (eth0)"),
            (.invocation, "first NIC"),
            (.policyTable, "table 101"),
        ]),
        Case(scenario: "U1-underlay-single-nic", expected: [
            (.mode, "underlay: mode auto, and eth0 is the first NIC"),
            (.invocation, "first NIC"),
            (.policyTable, "table 101"),
            (.skipped, "moving routes between NICs: eth0 is the first NIC"),
        ]),
        Case(scenario: "U2-underlay-second-nic", expected: [
            (.mode, "underlay: mode auto, and the Pod has veth0"),
            (.invocation, "a later NIC"),
            (.policyTable, "table 101: 3 NICs with broadcast are up"),
            (.skipped, "the veth to the node: net1 is not the first NIC"),
        ]),
        Case(scenario: "E03-mode-disabled", expected: [(.mode, "disabled")]),
    ]

    @Test("each golden case records its mode, invocation, table and skipped steps", arguments: cases)
    func decisions(_ c: Case) throws {
        let scenario = try CoordinatorScenario(json: GoldenFixtures.data("coordinator/\(c.scenario).json"))
        let config = try CoordinatorConfig(netConf: scenario.netConf)
        let plan = try CoordinatorPlanner(config: config).plan(scenario.before, scenario.invocation)
        for (kind, text) in c.expected {
            #expect(plan.decisions.contains { $0.kind == kind && $0.reason.contains(text) },
                    "\(c.scenario): no \(kind.rawValue) decision with '\(text)' in \(plan.decisions.map(\.description))")
        }
    }

    @Test("decisions explain a plan but do not change what it does: plans compare by their operations")
    func equality() {
        let a = RoutePlan([], decisions: [PlanDecision(.mode, "overlay")])
        #expect(a == RoutePlan())
        #expect(a.isEmpty)
        #expect(a.hashValue == RoutePlan().hashValue)
    }

    @Test("a second ADD plans nothing and still says why")
    func secondAdd() throws {
        let scenario = try CoordinatorScenario(json: GoldenFixtures.data("coordinator/O1-overlay-calico-macvlan.json"))
        let config = try CoordinatorConfig(netConf: scenario.netConf)
        let planner = CoordinatorPlanner(config: config)
        let after = try scenario.before.applying(try planner.plan(scenario.before, scenario.invocation))
        let again = try planner.plan(after, scenario.invocation)
        #expect(again.isEmpty)
        #expect(again.decisions.contains { $0.kind == .mode })
    }

    @Test("DEL without the Pod's namespace says what it cleans up")
    func delWithoutNamespace() throws {
        let plan = try CoordinatorPlanner(config: CoordinatorConfig()).plan(
            NamespacePair(pod: NetworkState(), node: NetworkState()),
            CoordinatorInvocation(command: .del, containerID: "c0ffee", interface: "net1", podNamespaceExists: false))
        #expect(plan.decisions.contains { $0.kind == .cleanup && $0.reason.contains("namespace is gone") }, "\(plan.decisions)")
    }
}
