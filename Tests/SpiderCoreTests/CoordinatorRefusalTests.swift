import Testing
@testable import SpiderCore
import SpiderCNI

/// The planner refuses what would capture the node's traffic (issue 14, items 7 and 8): a
/// `hostRuleTable` the node uses for its own routes, a Pod address the node uses itself; and it
/// never deletes a node neighbour entry it did not make.
@Suite("Coordinator refusals: node tables, addresses and neighbours")
struct CoordinatorRefusalTests {
    typealias Base = CoordinatorOwnershipTests

    // MARK: Item 7: a hostRuleTable the node uses

    @Test("hostRuleTable holding the node's own routes is refused with code 7 naming the table and a route")
    func foreignHostRuleTable() throws {
        let scenario = try Base.u1()
        var state = scenario.before
        state.node.routes.append(try Route(parsing: "default via 172.100.0.1 dev ens192 table 100"))
        let error = try #require(try Base.refusal(scenario, state, hostRuleTable: 100))
        #expect(CNIError.code(for: error) == 7)
        #expect(error.description.contains("hostRuleTable 100") && error.description.contains("default via 172.100.0.1"), "\(error)")
        // A table holding only the coordinator's host routes through veths is fine.
        #expect(try Base.refusal(scenario, scenario.before, hostRuleTable: 100) == nil)
    }

    // MARK: Item 8: Pod addresses the node uses

    @Test("a Pod address equal to the node's gateway or to a node address is refused with code 7 naming it")
    func podAddressUsedByNode() throws {
        let scenario = try Base.u1()
        for (pod, expected) in [("172.100.0.1", "172.100.0.1"), ("172.100.0.2", "172.100.0.2")] {
            var state = scenario.before
            state.pod.addresses = [try InterfaceAddress(parsing: "\(pod)/16 dev eth0")]
            state.node.routeGet = [try #require(IPAddress(pod)): try #require(IPAddress("172.100.0.2"))]
            let error = try #require(try Base.refusal(scenario, state), "\(pod)")
            #expect(CNIError.code(for: error) == 7)
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("ADD never deletes a node neighbour entry the coordinator did not make (a learned one on the uplink)")
    func nodeNeighbourLeftAlone() throws {
        let scenario = try Base.u1()
        var state = scenario.before
        let learned = try Neighbour(parsing: "172.100.0.210 dev ens192 lladdr be:db:b1:f1:b7:a8 REACHABLE")
        let permanent = try Neighbour(parsing: "172.100.0.210 dev ens224 lladdr be:db:b1:f1:b7:a9 PERMANENT")
        state.node.neighbours += [learned, permanent]
        let plan = try Base.plan(scenario, state)
        let deleted = plan.operations.filter { if case .deleteNeighbour = $0.action { $0.namespace == .node } else { false } }
        #expect(deleted.isEmpty, "\(deleted.map(\.description))")
        // Nor DEL.
        let after = try state.applying(plan)
        let del = CoordinatorInvocation(command: .del, containerID: scenario.invocation.containerID, interface: "eth0")
        let delPlan = try Base.plan(scenario, after, del)
        #expect(!delPlan.operations.contains { $0.action == .deleteNeighbour(learned) || $0.action == .deleteNeighbour(permanent) },
                "\(delPlan.operations.map(\.description))")
    }
}
