import Foundation
import Testing

/// `spiderctl inspect` on a real Pod (root): ptp eth0, macvlan net1 with our IPAM, the
/// coordinator chained on net1, as in the quick start.
@Suite("spiderctl inspect (root)", .serialized)
struct InspectCommandTests {
    @Test("a clean Pod is in sync (exit 0); with one rule deleted by hand it is out of sync (exit 2) and the rule is named")
    func inSyncThenDrift() throws {
        let lab = try CNILab("insp")
        defer { lab.delete() }
        let pod = try CNINamespace("h6insp")
        defer { pod.delete() }
        let attached = try CNIIntegrationTests.attach(lab, pod, "insppod")
        let config = lab.workspace.io + "/coordinator.json"
        try Data(attached.coordinatorConfig.utf8).write(to: URL(fileURLWithPath: config))
        let arguments = ["inspect", "--netns", pod.path, "--node-netns", "/var/run/netns/\(lab.node.name)", "--config", config,
                         "--ifname", "net1", "--container-id", "insppod"]

        let clean = try CLIRunner.run(arguments)
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stdout.hasPrefix("in sync: "), "\(clean)")

        try pod.ip("rule del from \(attached.net1) lookup 101")
        let drifted = try CLIRunner.run(arguments)
        #expect(drifted.status == 2, "\(drifted)")
        #expect(drifted.stdout.hasPrefix("out of sync: "), "\(drifted)")
        let line = drifted.lines.first { $0.contains("from \(attached.net1)") && $0.contains("lookup 101") }
        #expect(line?.hasPrefix("missing") == true, "the deleted rule is named as missing:\n\(drifted)")
        #expect(drifted.lines.count == 3, "one difference (title, header, one row):\n\(drifted)")

        let json = try CLIRunner.run(arguments + ["-o", "json"])
        #expect(json.status == 2, "\(json)")
        let object = try #require((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any], "\(json)")
        #expect(object["inSync"] as? Bool == false)
        let differences = object["differences"] as? [[String: Any]] ?? []
        #expect(differences.count == 1)
        #expect(differences.first?["state"] as? String == "missing")
        #expect((differences.first?["command"] as? String)?.contains("lookup 101") == true, "\(json)")
        #expect(((differences.first?["reason"] as? String) ?? "").isEmpty == false)

        // The coordinator's ADD puts it back: in sync again.
        let readd = try lab.cni("ADD", "coordinator", netns: pod.path, ifname: "net1", containerID: "insppod", config: attached.coordinatorConfig)
        #expect(readd.status == 0, "\(readd)")
        #expect(try CLIRunner.run(arguments).status == 0)
    }

    @Test("bad input: one line on stderr, exit 1", arguments: [
        ("not json", "/var/run/netns/does-not-exist-spq", "not a JSON object"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"macvlan"}]}"#, "/var/run/netns/does-not-exist-spq", "no plugin of type coordinator"),
        (#"{"cniVersion":"1.0.0","name":"n","type":"coordinator","mode":"sideways"}"#, "/var/run/netns/does-not-exist-spq", "sideways"),
        (#"{"cniVersion":"1.0.0","name":"n","type":"coordinator"}"#, "/var/run/netns/does-not-exist-spq", "does not exist"),
    ])
    func badInput(config: String, netns: String, message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).json")
        try Data(config.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLIRunner.run(["inspect", "--netns", netns, "--config", file.path])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message), "\(result)")
    }
}
