import Foundation
import Testing

/// Issue 14, item 6: two container IDs sharing their first 11 characters. The second underlay
/// ADD deleted the first Pod's host veth (`veth` + 11 characters), and with it its node route and
/// neighbour; DEL deleted whatever link had that name. Now the node end carries an ownership
/// mark (its alias), a taken name makes the second Pod use another one, and DEL goes by the mark.
@Suite("Coordinator: host veths of Pods whose container IDs share 11 characters (root)", .serialized)
struct CoordinatorVethOwnershipTests {
    static func nodeState(_ lab: CNILab) throws -> (links: String, table500: String, neighbours: String) {
        (try lab.node.ip("-d link show"), try lab.node.ip("-4 route show table 500"), try lab.node.ip("-4 neighbour show nud permanent"))
    }

    @Test("ADD and DEL of podaaaaaaaaaaaa3 leave podaaaaaaaaaaaa1's host veth, node route and neighbour alone")
    func sharedPrefix() throws {
        let lab = try CNILab("vethown")
        defer { lab.delete() }
        let first = try CNINamespace("h6pod")
        defer { first.delete() }
        let second = try CNINamespace("h6pod")
        defer { second.delete() }

        let (one, oneRun) = try CoordinatorHardening.attachUnderlay(lab, first, "podaaaaaaaaaaaa1")
        try #require(oneRun.outcome.status == 0, "first coordinator ADD: \(oneRun)")
        var node = try Self.nodeState(lab)
        #expect(node.links.contains("vethpodaaaaaaaa"), "Spiderpool's name is kept when it is free:\n\(node.links)")
        #expect(node.links.contains("alias spiderpool:podaaaaaaaaaaaa1:eth0"), "the host veth carries the mark:\n\(node.links)")
        #expect(node.table500.contains("\(one.address) dev vethpodaaaaaaaa"), "\(node.table500)")

        let (two, twoRun) = try CoordinatorHardening.attachUnderlay(lab, second, "podaaaaaaaaaaaa3")
        #expect(twoRun.outcome.status == 0, "second coordinator ADD: \(twoRun)")
        node = try Self.nodeState(lab)
        #expect(node.table500.contains("\(one.address) dev vethpodaaaaaaaa"), "the first Pod's node route must stay:\n\(node.table500)")
        #expect(node.neighbours.contains("\(one.address) dev vethpodaaaaaaaa"), "the first Pod's neighbour must stay:\n\(node.neighbours)")
        #expect(node.links.contains("alias spiderpool:podaaaaaaaaaaaa3:eth0"), "the second Pod's host veth is marked:\n\(node.links)")
        #expect(node.table500.contains("\(two.address) dev veth"), "\(node.table500)")
        #expect(CNILab.hasLink(first, "veth0"), "the first Pod keeps veth0")

        // DEL of the second Pod leaves the first one's veth.
        expectQuietSuccess(try CoordinatorHardening.coordinator(lab, "DEL", netns: second.path, ifname: "eth0", containerID: "podaaaaaaaaaaaa3",
                                                                config: two.coordinatorConfig).outcome, "second DEL")
        node = try Self.nodeState(lab)
        #expect(node.links.contains("vethpodaaaaaaaa"), "the first Pod's veth must stay after the second DEL:\n\(node.links)")
        #expect(node.table500.contains("\(one.address) dev vethpodaaaaaaaa"), "\(node.table500)")
        #expect(!node.links.contains("spiderpool:podaaaaaaaaaaaa3"), "the second Pod's veth is gone:\n\(node.links)")
        #expect(CNILab.hasLink(first, "veth0"))

        expectQuietSuccess(try CoordinatorHardening.coordinator(lab, "DEL", netns: first.path, ifname: "eth0", containerID: "podaaaaaaaaaaaa1",
                                                                config: one.coordinatorConfig).outcome, "first DEL")
        node = try Self.nodeState(lab)
        #expect(!node.links.contains("vethpodaaaaaaaa"), "\(node.links)")
        for (pod, id, config) in [(first, "podaaaaaaaaaaaa1", one.macvlanConfig), (second, "podaaaaaaaaaaaa3", two.macvlanConfig)] {
            expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "eth0", containerID: id, config: config), "macvlan DEL \(id)")
        }
        let left = try lab.nodeTable(500, emptyWithin: 5)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "table 500 still has:\n\(left)")
    }
}
