import Foundation
import Testing

/// Issue 14, item 14: coordinator DEL failed when CNI_NETNS was an empty regular file (an
/// unmounted namespace), when the named SpiderCoordinator was missing, or when it was NotReady.
/// DEL succeeds when there is nothing it can undo, and still removes what it owns when it can.
@Suite("Coordinator DEL: succeeds whenever there is nothing left to undo (root)", .serialized)
struct CoordinatorDelTests {
    @Test("DEL with CNI_NETNS an empty regular file succeeds")
    func emptyFileNetns() throws {
        let lab = try CNILab("delfile")
        defer { lab.delete() }
        let file = lab.workspace.root + "/unmounted-netns"
        try #require(FileManager.default.createFile(atPath: file, contents: Data()))
        let prevResult: [String: Any] = ["cniVersion": "1.0.0", "ips": [["address": "10.6.212.200/16"]]]
        let run = try CoordinatorHardening.coordinator(lab, "DEL", netns: file, ifname: "eth0", containerID: "filepod",
                                                       config: CoordinatorHardening.underlayConfig(prevResult: prevResult))
        expectQuietSuccess(run.outcome, "DEL with an empty regular file as CNI_NETNS")
    }

    @Test("DEL succeeds and cleans the node when the named SpiderCoordinator is missing or NotReady",
          arguments: ["missing", "NotReady"])
    func manifestGoneOrNotReady(_ situation: String) throws {
        let lab = try CNILab("delscc")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let attached = try CNIIntegrationTests.attach(lab, pod, "sccpod")
        let table500 = try lab.node.ip("-4 route show table 500")
        #expect(table500.contains(attached.net1), "\(table500)")

        let manifest = lab.workspace.root + "/spidercoordinator.yaml"
        if situation == "NotReady" {
            let text = """
                apiVersion: spiderpool.spidernet.io/v2beta1
                kind: SpiderCoordinator
                metadata:
                  name: default
                spec:
                  podCIDRType: auto
                status:
                  phase: NotReady
                  reason: no cluster CIDR found

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: manifest))
        }
        let config = try CoordinatorHardening.adding(["spiderCoordinator": manifest], to: attached.coordinatorConfig)
        let run = try CoordinatorHardening.coordinator(lab, "DEL", netns: pod.path, ifname: "net1", containerID: "sccpod", config: config)
        expectQuietSuccess(run.outcome, "DEL with the SpiderCoordinator \(situation)")
        let left = try lab.nodeTable(500, emptyWithin: 5)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "DEL must still remove the node's routes; table 500 has:\n\(left)")
        // ADD with the same configuration still refuses (the manifest matters there).
        let add = try CoordinatorHardening.coordinator(lab, "ADD", netns: pod.path, ifname: "net1", containerID: "sccpod", config: config)
        expectCNIError(add.outcome, code: situation == "NotReady" ? 11 : 7, version: "1.0.0", "ADD with the SpiderCoordinator \(situation)")

        expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "net1", containerID: "sccpod", config: attached.macvlanConfig), "macvlan DEL")
        expectQuietSuccess(try lab.cni("DEL", "ptp", netns: pod.path, ifname: "eth0", containerID: "sccpod", config: lab.ptpConfig()), "ptp DEL")
    }
}
