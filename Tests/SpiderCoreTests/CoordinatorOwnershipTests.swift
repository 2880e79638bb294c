import Testing
@testable import SpiderCore
import SpiderScenario

/// The planner never changes or deletes another attachment's host veth (issue 14, item 6): the
/// node end of the underlay veth carries an ownership mark, a name taken by another Pod's link
/// makes the planner pick another, and DEL goes by the mark. Built on the golden U1 case.
@Suite("Coordinator ownership: another Pod's host veth is left alone")
struct CoordinatorOwnershipTests {
    static func u1() throws -> CoordinatorScenario { try GoldenCoordinatorCases.scenario("U1-underlay-single-nic.json") }

    static func plan(_ scenario: CoordinatorScenario, _ state: NamespacePair, _ invocation: CoordinatorInvocation? = nil,
                     hostRuleTable: UInt32? = nil) throws -> RoutePlan {
        var config = try CoordinatorConfig(netConf: scenario.netConf)
        if let hostRuleTable { config.hostRuleTable = RouteTable(rawValue: hostRuleTable) }
        return try CoordinatorPlanner(config: config).plan(state, invocation ?? scenario.invocation)
    }

    static func refusal(_ scenario: CoordinatorScenario, _ state: NamespacePair, hostRuleTable: UInt32? = nil) throws -> CoordinatorError? {
        do {
            _ = try plan(scenario, state, hostRuleTable: hostRuleTable)
            return nil
        } catch let error as CoordinatorError {
            return error
        }
    }

    // MARK: Item 6: host veth names shared by container IDs

    @Test("ADD with Spiderpool's veth name taken by another Pod's link: another name, the other link untouched; the new link is marked")
    func hostVethNameTaken() throws {
        let scenario = try Self.u1()
        var state = scenario.before
        let invocation = CoordinatorInvocation(command: .add, containerID: "podaaaaaaaaaaaa3", interface: "eth0")
        // The first Pod's host veth: veth + "podaaaaaaaa", marked as podaaaaaaaaaaaa1's.
        state.node.links.append(Link(name: "vethpodaaaaaaaa", index: 40, kind: .veth, mac: try MACAddress.parse("aa:aa:aa:aa:aa:01"),
                                     flags: [.broadcast, .multicast, .up, .lowerUp], peerIndex: 2, alias: "spiderpool:podaaaaaaaaaaaa1:eth0"))
        state.node.routes.append(try Route(parsing: "172.100.0.209 dev vethpodaaaaaaaa table 500 scope link"))
        state.node.neighbours.append(try Neighbour(parsing: "172.100.0.209 dev vethpodaaaaaaaa lladdr aa:aa:aa:aa:aa:02 PERMANENT"))
        state.node.rules.append(try RoutingRule(parsing: "1000: from all lookup 500", family: .v4))
        let plan = try Self.plan(scenario, state, invocation)
        let touched = plan.operations.filter { $0.namespace == .node && $0.action.commandLine().contains("vethpodaaaaaaaa") }
        #expect(touched.isEmpty, "the first Pod's veth must not be touched: \(touched.map(\.description))")
        let expectedName = invocation.alternateHostVethName
        #expect(expectedName != "vethpodaaaaaaaa" && expectedName.count == 15 && expectedName.hasPrefix("veth"))
        let after = try state.applying(plan)
        #expect(after.node.link(named: "vethpodaaaaaaaa") != nil)
        #expect(after.node.routes.contains { $0.device == "vethpodaaaaaaaa" }, "the first Pod's node route stays")
        #expect(after.node.neighbours.contains { $0.device == "vethpodaaaaaaaa" }, "the first Pod's neighbour stays")
        #expect(after.node.link(named: expectedName)?.alias == invocation.ownerMark, "the new host veth carries the mark")
        // A second ADD finds its own link (by veth0's peer) and plans nothing.
        #expect(try Self.plan(scenario, after, invocation).isEmpty)
        // An unmarked link of that name (made by something else) is not taken either.
        var unmarked = state
        unmarked.node.links[unmarked.node.links.count - 1].alias = nil
        let again = try Self.plan(scenario, unmarked, invocation)
        #expect(!again.operations.contains { $0.action == .deleteLink(name: "vethpodaaaaaaaa") }, "\(again.operations.map(\.description))")
    }

    @Test("ADD with Spiderpool's name free keeps it; DEL of the other Pod does not delete it")
    func delLeavesOtherPodsVeth() throws {
        let scenario = try Self.u1()
        let first = CoordinatorInvocation(command: .add, containerID: "podaaaaaaaaaaaa1", interface: "eth0")
        let after = try scenario.before.applying(try Self.plan(scenario, scenario.before, first))
        #expect(after.node.link(named: "vethpodaaaaaaaa")?.alias == "spiderpool:podaaaaaaaaaaaa1:eth0")
        // A DEL of another container whose ID shares the 11 characters, in a Pod without veth0.
        var other = after
        other.pod = scenario.before.pod
        let del = CoordinatorInvocation(command: .del, containerID: "podaaaaaaaaaaaa3", interface: "eth0")
        let plan = try Self.plan(scenario, other, del)
        #expect(!plan.operations.contains { $0.action == .deleteLink(name: "vethpodaaaaaaaa") }, "\(plan.operations.map(\.description))")
        // Its own DEL finds it by the mark, even without the Pod's namespace.
        let gone = CoordinatorInvocation(command: .del, containerID: "podaaaaaaaaaaaa1", interface: "eth0", podNamespaceExists: false)
        #expect(try Self.plan(scenario, after, gone).operations.map(\.action) == [.deleteLink(name: "vethpodaaaaaaaa")])
    }

    @Test("a Pod whose veth0 points at another Pod's marked host veth (indexes collide or were forged) never deletes or re-marks it")
    func forgedPeerIndex() throws {
        let scenario = try Self.u1()
        let first = CoordinatorInvocation(command: .add, containerID: "podaaaaaaaaaaaa1", interface: "eth0")
        let after = try scenario.before.applying(try Self.plan(scenario, scenario.before, first))
        let victim = try #require(after.node.link(named: "vethpodaaaaaaaa"))
        // Another container's Pod namespace whose veth0 claims the victim's index as its peer.
        let intruder = CoordinatorInvocation(command: .del, containerID: "intruder0000000", interface: "eth0")
        var forged = after
        if let index = forged.pod.links.firstIndex(where: { $0.name == "veth0" }) { forged.pod.links[index].peerIndex = victim.index }
        let del = try Self.plan(scenario, forged, intruder)
        #expect(!del.operations.contains { $0.action == .deleteLink(name: "vethpodaaaaaaaa") }, "\(del.operations.map(\.description))")
        let add = CoordinatorInvocation(command: .add, containerID: "intruder0000000", interface: "eth0")
        let plan = (try? Self.plan(scenario, forged, add))?.operations ?? []
        #expect(!plan.contains { $0.action == .setLinkAlias(name: "vethpodaaaaaaaa", alias: add.ownerMark) }, "\(plan.map(\.description))")
    }
}
