import Foundation
import SpiderCore
import Testing

/// `spiderctl detect` and `spiderctl render nad`: exit codes, one-line errors, round trips.
@Suite("spiderctl detect and render")
struct DetectRenderCommandTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spiderctl-\(UUID()).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let kubeadm = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: kubeadm-config, namespace: kube-system}
        data:
          ClusterConfiguration: |
            networking:
              podSubnet: 10.233.64.0/18
              serviceSubnet: 10.233.0.0/18
        """

    @Test("Synced: exit 0, the status in YAML; --write stores what the coordinator reads")
    func synced() throws {
        let config = try Self.file(Self.kubeadm)
        let written = FileManager.default.temporaryDirectory.appendingPathComponent("scc-\(UUID()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: config); try? FileManager.default.removeItem(atPath: written) }
        let result = try CLIRunner.run(["detect", "--kubeadm-config", config, "--pod-cidr-type", "cluster", "--write", written])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("phase: Synced"))
        let stored = try String(contentsOfFile: written, encoding: .utf8)
        #expect(stored.contains("10.233.64.0/18") && stored.contains("10.233.0.0/18"))
        // JSON, so that the lean CNI binary reads it itself.
        #expect(ManifestValue.parse(json: stored)?["kind"]?.stringValue == "SpiderCoordinator", "\(stored)")
    }

    @Test("NotReady or malformed input: exit 1, one line naming the reason", arguments: [
        ["--pod-cidr-type", "calico"],
        ["--pod-cidr-type", "bogus"],
    ])
    func notReady(_ extra: [String]) throws {
        let config = try Self.file(Self.kubeadm)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try CLIRunner.run(["detect", "--kubeadm-config", config] + extra)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1, "\(result)")
    }

    @Test("render nad --conflist gives the docs' quick-start config byte for byte")
    func quickStartNAD() throws {
        let manifest = try Self.file("""
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderMultusConfig
            metadata: {name: macvlan-ens192, namespace: kube-system}
            spec:
              cniType: macvlan
              macvlan:
                master: [ens192]
                ippools: {ipv4: [10-6-v4]}
                vlanID: 0
            """)
        defer { try? FileManager.default.removeItem(atPath: manifest) }
        let result = try CLIRunner.run(["render", "nad", "-f", manifest, "--conflist"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == #"{"cniVersion":"0.3.1","name":"macvlan-ens192","plugins":[{"type":"macvlan","master":"ens192","mode":"bridge","mtu":0,"ipam":{"type":"spiderpool","default_ipv4_ippool":["10-6-v4"]}},{"txQueueLen":0,"tunePodRoutes":true,"mode":"auto","type":"coordinator"}]}"# + "\n")
    }

    @Test("render nad refuses a bad manifest with one line")
    func badManifest() throws {
        let manifest = try Self.file("kind: SpiderMultusConfig\nmetadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: []}}\n")
        defer { try? FileManager.default.removeItem(atPath: manifest) }
        let result = try CLIRunner.run(["render", "nad", "-f", manifest])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
    }
}
