import EtcdTestSupport
import Foundation
import SpiderCore
import SpiderEtcd
import Testing

/// The `spiderpool` plugin on a shared etcd ledger, as separate CNI processes on several
/// "nodes" (each node a shell loop calling the real plugin binary with its own
/// `SPIDERPOOL_NODE_NAME`), against a real etcd started for each test.
@Suite("etcd ledger: CNI processes on several nodes", .serialized)
struct EtcdCNITests {
    /// One node's loop: ADD `count` containers in turn. A failed ADD is answered as a runtime
    /// would, with a DEL (retried until it succeeds), then the ADD is tried again.
    static let nodeScript = """
        #!/bin/bash
        node=$1; count=$2; plugin=$3; conf=$4; out=$5
        cni() { env -i CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_IFNAME=eth0 CNI_NETNS=/proc/self/ns/net CNI_PATH=/nonexistent \\
                  CNI_ARGS="K8S_POD_NAMESPACE=etcd;K8S_POD_NAME=$2" SPIDERPOOL_NODE_NAME=$node "$plugin" <"$conf"; }
        for ((i = 0; i < count; i++)); do
            id="$node-c$i"
            for ((try = 0; try < 600; try++)); do
                if result=$(cni ADD "$id"); then echo "ok $id $(tr -d '\\n' <<<"$result")" >>"$out"; break; fi
                echo "fail $id $(tr -d '\\n' <<<"$result")" >>"$out"
                for ((d = 0; d < 600; d++)); do cni DEL "$id" >/dev/null && break; sleep 0.05; done
                sleep 0.05
            done
        done
        echo "done $node" >>"$out"
        """

    struct Run {
        var addresses: [String: String] = [:]  // container ID -> address of its successful ADD
        var failures: [(id: String, code: Int, message: String)] = []
        var finished: Set<String> = []
    }

    final class Cluster {
        let etcd: EtcdServer
        let workspace: CNIWorkspace
        let config: String
        let store: String

        init(_ tag: String) throws {
            etcd = try EtcdServer(name: tag)
            workspace = try CNIWorkspace("etcd-\(tag)")
            store = etcd.store(prefix: "/\(tag)")
            let pool = """
                apiVersion: spiderpool.spidernet.io/v2beta1
                kind: SpiderIPPool
                metadata:
                  name: shared
                spec:
                  subnet: 10.80.0.0/16
                  gateway: 10.80.0.1
                  ips:
                  - 10.80.1.1-10.80.2.254

                """
            let file = workspace.io + "/pool.yaml"
            try Data(pool.utf8).write(to: URL(fileURLWithPath: file))
            let applied = try CLIRunner.run(["pool", "apply", "-f", file, "--store", store])
            guard applied.status == 0 else { throw CNIHarnessFailure("pool apply on etcd: \(applied)") }
            config = cniJSON(["cniVersion": "1.1.0", "name": "shared", "type": "spiderpool",
                              "ipam": ["type": "spiderpool", "store": store, "default_ipv4_ippool": ["shared"]]])
            try Data(config.utf8).write(to: URL(fileURLWithPath: workspace.io + "/conf.json"))
            try Data(EtcdCNITests.nodeScript.utf8).write(to: URL(fileURLWithPath: workspace.io + "/node.sh"))
        }

        deinit { etcd.stop() }

        var ledger: EtcdLedger { get throws { try EtcdLedger(store: EtcdStore(parsing: store)) } }

        /// Starts one loop per node; returns the processes and their output files.
        func startNodes(_ nodes: Int, each count: Int) throws -> [(Process, String)] {
            try (0..<nodes).map { node in
                let output = workspace.io + "/node-\(node).out"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [workspace.io + "/node.sh", "node-\(node)", String(count), workspace.spiderpool,
                                     workspace.io + "/conf.json", output]
                process.environment = ["PATH": CNITools.path]
                try process.run()
                return (process, output)
            }
        }

        func collect(_ outputs: [String]) throws -> Run {
            var run = Run()
            for output in outputs {
                let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ", maxSplits: 2).map(String.init)
                    if words.first == "done", words.count == 2 { run.finished.insert(words[1]); continue }
                    guard words.count == 3 else { throw CNIHarnessFailure("unreadable line '\(line)' in \(output)") }
                    let object = (try? JSONSerialization.jsonObject(with: Data(words[2].utf8))) as? [String: Any] ?? [:]
                    if words[0] == "ok" {
                        let ips = (object["ips"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
                        guard ips.count == 1 else { throw CNIHarnessFailure("ADD \(words[1]) answered \(words[2])") }
                        run.addresses[words[1]] = ips[0]
                    } else {
                        run.failures.append((words[1], object["code"] as? Int ?? -1, "\(object["msg"] ?? "") \(object["details"] ?? "")"))
                    }
                }
            }
            return run
        }

        /// What etcd holds must be exactly what the ADDs answered: no address twice, nothing
        /// lost, nothing left over from failed ADDs, and a sound index.
        func expectConsistent(_ run: Run, expected: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(run.addresses.count == expected, "successful ADDs: \(run.addresses.count) of \(expected)", sourceLocation: sourceLocation)
            let duplicates = Dictionary(grouping: run.addresses.values, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            #expect(duplicates.isEmpty, "addresses handed out twice: \(duplicates)", sourceLocation: sourceLocation)
            let ledger = try ledger
            let records = try ledger.records(pool: "shared")
            let held = Dictionary(records.map { ($0.owner.containerID, "\($0.address)/16") }, uniquingKeysWith: { a, b in "\(a),\(b)" })
            #expect(held == run.addresses, "etcd differs from the answers: only in etcd \(held.filter { run.addresses[$0.key] != $0.value }.keys.sorted()), only answered \(run.addresses.filter { held[$0.key] != $0.value }.keys.sorted())", sourceLocation: sourceLocation)
            let problems = try ledger.audit()
            #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
        }
    }

    @Test("4 nodes × 64 ADDs on one pool at once: 0 duplicates, every answer in etcd; GC on one node leaves the others alone")
    func fourNodes() throws {
        let cluster = try Cluster("nodes")
        let nodes = try cluster.startNodes(4, each: 64)
        for (process, _) in nodes { process.waitUntilExit() }
        let run = try cluster.collect(nodes.map(\.1))
        #expect(run.finished.count == 4)
        #expect(run.failures.isEmpty, "failed ADDs: \(run.failures.prefix(5))")
        try cluster.expectConsistent(run, expected: 256)
        for record in try cluster.ledger.records(pool: "shared") {
            #expect(record.owner.containerID.hasPrefix(record.owner.node + "-"), "a record carries its node: \(record.owner)")
        }

        // GC from node-0 with only half of node-0's attachments valid.
        let valid = (0..<32).map { ["containerID": "node-0-c\($0)", "ifname": "eth0"] }
        let gc = cniJSON(["cniVersion": "1.1.0", "name": "shared", "type": "spiderpool", "cni.dev/valid-attachments": valid,
                          "ipam": ["type": "spiderpool", "store": cluster.store, "default_ipv4_ippool": ["shared"]]])
        var environment = CNIWorkspace.environment("GC", path: "/nonexistent")
        environment["SPIDERPOOL_NODE_NAME"] = "node-0"
        expectQuietSuccess(try cluster.workspace.execute(cluster.workspace.spiderpool, environment, stdin: gc), "GC on node-0")
        let left = try cluster.ledger.records(pool: "shared")
        #expect(left.count == 256 - 32, "GC on node-0 must release node-0's 32 stale records and nothing else")
        #expect(left.filter { $0.owner.node == "node-0" }.count == 32)
        #expect(Set(left.filter { $0.owner.node != "node-0" }.map(\.owner.containerID)).count == 192, "the other nodes' records stay")
        #expect(try cluster.ledger.audit().isEmpty)
    }

    @Test("etcd killed (-9) and restarted in the middle of 4 × 64 ADDs: errors are code 11 naming etcd, then no duplicate, no lost or leaked allocation")
    func etcdRestart() throws {
        let cluster = try Cluster("restart")
        let nodes = try cluster.startNodes(4, each: 64)
        // Let about a quarter of the ADDs land, then crash etcd for a second.
        let deadline = Date().addingTimeInterval(120)
        while try cluster.ledger.records(pool: "shared").count < 64, Date() < deadline { usleep(20_000) }
        cluster.etcd.kill()
        usleep(1_000_000)
        try cluster.etcd.start()
        for (process, _) in nodes { process.waitUntilExit() }
        let run = try cluster.collect(nodes.map(\.1))
        #expect(run.finished.count == 4)
        #expect(!run.failures.isEmpty, "etcd was down for a second: some ADD should have failed")
        for failure in run.failures {
            #expect(failure.code == 11, "ADD \(failure.id) while etcd was down: code \(failure.code) \(failure.message)")
            #expect(failure.message.contains(cluster.etcd.endpoint), "the error names the endpoint: \(failure.message)")
        }
        try cluster.expectConsistent(run, expected: 256)
    }

    @Test("with etcd unreachable, every verb answers code 11 with the endpoint, and STATUS says 'not available'")
    func unreachable() throws {
        let workspace = try CNIWorkspace("etcd-down")
        let config = cniJSON(["cniVersion": "1.1.0", "name": "down", "type": "spiderpool",
                              "ipam": ["type": "spiderpool", "store": "etcd://127.0.0.1:1/x", "default_ipv4_ippool": ["p"]]])
        for verb in ["ADD", "DEL", "CHECK"] {
            let outcome = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment(verb, containerID: "c1", ifname: "eth0",
                                                                                              netns: "/proc/self/ns/net", path: "/nonexistent"), stdin: config)
            expectCNIError(outcome, code: 11, verb)
            #expect(outcome.stdout.contains("127.0.0.1:1"), "\(verb): \(outcome)")
        }
        let status = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("STATUS", path: "/nonexistent"), stdin: config)
        expectCNIError(status, code: 50, "STATUS")
        let bad = cniJSON(["cniVersion": "1.1.0", "name": "bad", "type": "spiderpool",
                           "ipam": ["type": "spiderpool", "store": "etcd://host:notaport/x"]])
        let refused = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0",
                                                                                          netns: "/proc/self/ns/net", path: "/nonexistent"), stdin: bad)
        expectCNIError(refused, code: 7, "a malformed etcd store")
    }
}
