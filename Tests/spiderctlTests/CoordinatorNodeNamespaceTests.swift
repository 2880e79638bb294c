import Foundation
import Testing

/// Issue 14, item 5: `CNI_NETNS` naming the node's own namespace (`/proc/self/ns/net`, or a bind
/// mount of it) is refused on ADD and CHECK (code 4) before anything changes; DEL does nothing.
@Suite("Coordinator: CNI_NETNS naming the node's own namespace (root)", .serialized)
struct CoordinatorNodeNamespaceTests {
    @Test("ADD and CHECK with the node's namespace as CNI_NETNS are code 4 naming CNI_NETNS; DEL succeeds; the node is unchanged",
          arguments: ["/proc/self/ns/net", "<node bind mount>"])
    func nodeNamespaceRefused(_ netnsKind: String) throws {
        let lab = try CNILab("selfns")
        defer { lab.delete() }
        // The plugin runs inside the lab's node: its own namespace is the node's.
        let netns = netnsKind == "/proc/self/ns/net" ? netnsKind : lab.node.path
        let prevResult: [String: Any] = ["cniVersion": "1.0.0", "interfaces": [["name": "ens192"]],
                                         "ips": [["address": "10.6.212.132/16", "gateway": "10.6.0.1"]]]
        let config = CoordinatorHardening.underlayConfig(prevResult: prevResult, ["podDefaultCniNic": "ens192"])
        let before = try CoordinatorHardening.nodeSnapshot(lab.node)

        let added = try CoordinatorHardening.coordinator(lab, "ADD", netns: netns, ifname: "ens192", containerID: "nodeself", config: config)
        expectCNIError(added.outcome, code: 4, version: "1.0.0", "ADD with CNI_NETNS \(netns)")
        let message = ((added.outcome.object?["msg"] as? String) ?? "") + ((added.outcome.object?["details"] as? String) ?? "")
        #expect(message.contains("CNI_NETNS"), "the error names CNI_NETNS: \(added)")
        #expect(try CoordinatorHardening.nodeSnapshot(lab.node) == before, "ADD changed the node")

        let checked = try CoordinatorHardening.coordinator(lab, "CHECK", netns: netns, ifname: "ens192", containerID: "nodeself", config: config)
        expectCNIError(checked.outcome, code: 4, version: "1.0.0", "CHECK with CNI_NETNS \(netns)")

        let deleted = try CoordinatorHardening.coordinator(lab, "DEL", netns: netns, ifname: "ens192", containerID: "nodeself", config: config)
        expectQuietSuccess(deleted.outcome, "DEL with CNI_NETNS \(netns)")
        let after = try CoordinatorHardening.nodeSnapshot(lab.node)
        #expect(after == before, "the node changed:\nbefore:\n\(before)\nafter:\n\(after)")
    }
}
