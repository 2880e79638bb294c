import Foundation
import Testing

/// Issue 14, item 22: the `spiderCoordinator` path of a CNI configuration can name any file. A
/// YAML error copied a line of that file into the CNI error (and so into Pod events), and a
/// document of another kind was answered with "expected SpiderIPPool or SpiderReservedIP".
@Suite("Coordinator: SpiderCoordinator files are read without quoting them")
struct CoordinatorManifestTests {
    static let secret = "s3cr3t-t0ken-do-not-leak"

    static func add(_ workspace: CNIWorkspace, manifest: String) throws -> CoordinatorHardening.Run {
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "coordinator", "mode": "overlay", "spiderCoordinator": manifest,
                              "prevResult": ["cniVersion": "1.0.0", "ips": [["address": "10.20.0.10/24"]]]])
        var environment = CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: "/proc/self/ns/net")
        environment["SPIDERPOOL_COORDINATOR_LOCK"] = workspace.root + "/coordinator.lock"
        return try CoordinatorHardening.run(workspace, workspace.coordinator, environment, stdin: config, namespace: nil, bound: 20)
    }

    @Test("a file that is not YAML: code 7 naming the file and the expected SpiderCoordinator, no line of the file")
    func invalidYAML() throws {
        let workspace = try CNIWorkspace("scc-yaml")
        let file = workspace.root + "/not-yaml.conf"
        try Data("password: \"\(Self.secret)\n  : [unclosed: {\n\t- \(Self.secret)\n".utf8).write(to: URL(fileURLWithPath: file))
        let run = try Self.add(workspace, manifest: file)
        expectCNIError(run.outcome, code: 7, version: "1.0.0", "a non-YAML SpiderCoordinator")
        #expect(!run.outcome.stdout.contains(Self.secret), "the error quotes the file: \(run)")
        #expect(run.outcome.stdout.contains(file), "the error names the file: \(run)")
        #expect(run.outcome.stdout.contains("SpiderCoordinator"), "\(run)")
    }

    @Test("a manifest of another kind: code 7 saying a SpiderCoordinator was expected, nothing about IP pools")
    func otherKind() throws {
        let workspace = try CNIWorkspace("scc-kind")
        let file = workspace.root + "/pool.yaml"
        let pool = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: \(Self.secret)
            spec:
              subnet: 10.20.0.0/24

            """
        try Data(pool.utf8).write(to: URL(fileURLWithPath: file))
        let run = try Self.add(workspace, manifest: file)
        expectCNIError(run.outcome, code: 7, version: "1.0.0", "a SpiderIPPool as SpiderCoordinator")
        #expect(run.outcome.stdout.contains("expected a spiderpool.spidernet.io/v2beta1 SpiderCoordinator"), "\(run)")
        #expect(!run.outcome.stdout.contains("SpiderReservedIP"), "\(run)")
        #expect(!run.outcome.stdout.contains(Self.secret), "\(run)")
    }

    @Test("a FIFO or a directory as SpiderCoordinator is refused at once (code 7), never waited on")
    func notRegularFile() throws {
        let workspace = try CNIWorkspace("scc-fifo")
        let fifo = workspace.root + "/fifo"
        try #require(mkfifo(fifo, 0o600) == 0, "mkfifo")
        for path in [fifo, workspace.root] {
            let run = try Self.add(workspace, manifest: path)
            #expect(!run.killed, "reading \(path) hung: \(run)")
            expectCNIError(run.outcome, code: 7, version: "1.0.0", "SpiderCoordinator \(path)")
        }
    }
}
