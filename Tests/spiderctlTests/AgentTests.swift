import EtcdTestSupport
import Foundation
import Glibc
import SpiderCore
import Testing

/// The node agent for real: `spiderctl agent` processes, a real etcd, the lean plugin binary
/// as separate CNI processes, with and without the agent.
@Suite("node agent: warm ADDs, metrics, never required", .serialized)
struct AgentTests {
    /// One loop of ADDs: `ok ID RESULT` or `fail ID RESULT` per ADD into the output file.
    static let loopScript = """
        #!/bin/bash
        tag=$1; count=$2; plugin=$3; conf=$4; out=$5
        for ((i = 0; i < count; i++)); do
            id="$tag-c$i"
            if result=$(env -i CNI_COMMAND=ADD CNI_CONTAINERID=$id CNI_IFNAME=eth0 CNI_NETNS=/proc/self/ns/net CNI_PATH=/nonexistent \\
                        CNI_ARGS="K8S_POD_NAMESPACE=agent;K8S_POD_NAME=$id" SPIDERPOOL_NODE_NAME=node-a "$plugin" <"$conf" 2>>"$out.err"); then
                echo "ok $id $(tr -d '\\n' <<<"$result")" >>"$out"
            else
                echo "fail $id $(tr -d '\\n' <<<"$result")" >>"$out"
            fi
        done
        echo "done $tag" >>"$out"
        """

    /// A store in a real etcd with one pool, a plugin directory and two configurations: one
    /// through the agent's socket, one with the agent turned off.
    final class Setup {
        let etcd: EtcdServer
        let workspace: CNIWorkspace
        let store: String
        let socket: String
        let throughAgent: String
        let direct: String

        init(_ tag: String, etcd useEtcd: Bool = true) throws {
            etcd = try EtcdServer(name: tag)
            workspace = try CNIWorkspace("agent-\(tag)")
            store = useEtcd ? etcd.store(prefix: "/\(tag)") : workspace.store
            socket = workspace.root + "/agent.sock"
            let pool = """
                apiVersion: spiderpool.spidernet.io/v2beta1
                kind: SpiderIPPool
                metadata:
                  name: nodes
                spec:
                  subnet: 10.90.0.0/16
                  gateway: 10.90.0.1
                  ips:
                  - 10.90.1.1-10.90.2.254

                """
            let file = workspace.io + "/pool.yaml"
            try Data(pool.utf8).write(to: URL(fileURLWithPath: file))
            let applied = try CLIRunner.run(["pool", "apply", "-f", file, "--store", store])
            guard applied.status == 0 else { throw CNIHarnessFailure("pool apply: \(applied)") }
            throughAgent = workspace.io + "/agent.json"
            direct = workspace.io + "/direct.json"
            for (path, agentSocket) in [(throughAgent, socket), (direct, "")] {
                let config = cniJSON(["cniVersion": "1.1.0", "name": "nodes", "type": "spiderpool",
                                      "ipam": ["type": "spiderpool", "store": store, "default_ipv4_ippool": ["nodes"], "agent_socket": agentSocket]])
                try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            }
            try Data(AgentTests.loopScript.utf8).write(to: URL(fileURLWithPath: workspace.io + "/loop.sh"))
        }

        deinit { etcd.stop() }

        func startAgent(_ extra: [String] = []) throws -> AgentProcess {
            try AgentProcess(store: store, socket: socket, log: workspace.io + "/agent-\(UUID().uuidString).log", extra: extra)
        }

        /// Starts one loop of `count` ADDs per entry of `configs`.
        func startLoops(_ configs: [String], each count: Int, tag: String) throws -> [(Process, String)] {
            try configs.enumerated().map { index, config in
                let output = workspace.io + "/\(tag)-\(index).out"
                _ = FileManager.default.createFile(atPath: output, contents: nil)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [workspace.io + "/loop.sh", "\(tag)\(index)", String(count), workspace.spiderpool, config, output]
                try process.run()
                return (process, output)
            }
        }

        /// Waits for the loops; container ID -> address of every successful ADD, and the failures.
        func finish(_ loops: [(Process, String)]) throws -> (addresses: [String: String], failures: [String]) {
            var addresses: [String: String] = [:]
            var failures: [String] = []
            for (process, output) in loops {
                process.waitUntilExit()
                let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ", maxSplits: 2).map(String.init)
                    guard words.count == 3 else { continue }
                    if words[0] == "fail" { failures.append(line.description); continue }
                    guard let object = (try? JSONSerialization.jsonObject(with: Data(words[2].utf8))) as? [String: Any],
                          let ips = object["ips"] as? [[String: Any]], let address = ips.first?["address"] as? String else {
                        failures.append("unreadable: \(line)")
                        continue
                    }
                    addresses[words[1]] = address
                }
            }
            return (addresses, failures)
        }

        func lines(_ output: String) -> Int {
            String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self).split(separator: "\n").count
        }

        /// `ip list`: container ID -> IPv4 address.
        func listed() throws -> [String: String] {
            let result = try CLIRunner.run(["ip", "list", "-o", "json", "--store", store])
            guard result.status == 0, let items = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] else {
                throw CNIHarnessFailure("ip list: \(result)")
            }
            var held: [String: String] = [:]
            for item in items {
                if let id = item["containerID"] as? String { held[id] = item["ipv4"] as? String ?? "" }
            }
            return held
        }

        /// Runs the plugin once.
        func cni(_ command: String, _ id: String, config: String) throws -> CNIOutcome {
            let environment = CNIWorkspace.environment(command, containerID: id, ifname: "eth0", netns: "/proc/self/ns/net",
                                                       args: "K8S_POD_NAMESPACE=agent;K8S_POD_NAME=\(id)", path: "/nonexistent")
            return try workspace.execute(workspace.spiderpool, environment, stdin: String(decoding: FileManager.default.contents(atPath: config) ?? Data(), as: UTF8.self))
        }
    }

    /// The pool gauges equal what `ip list` shows, once the agent's scrape reads the store.
    static func expectGaugesMatch(_ agent: AgentProcess, _ setup: Setup, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let held = try setup.listed()
        let samples = try agent.metrics()
        #expect(samples[#"spiderpool_ippool_allocated_ips{pool="nodes"}"#] == Double(held.count),
                "allocated gauge vs ip list (\(held.count))", sourceLocation: sourceLocation)
        #expect(samples[#"spiderpool_ippool_total_ips{pool="nodes"}"#] == 510, "total gauge", sourceLocation: sourceLocation)
    }

    @Test("ADDs through the agent and directly interleave on etcd: every address once")
    func interleaved() throws {
        let setup = try Setup("interleave")
        let agent = try setup.startAgent()
        try agent.waitReady()
        let loops = try setup.startLoops([setup.throughAgent, setup.direct, setup.throughAgent, setup.direct], each: 20, tag: "mix")
        let (addresses, failures) = try setup.finish(loops)
        #expect(failures.isEmpty, "failed ADDs: \(failures.prefix(5))")
        #expect(addresses.count == 80)
        #expect(Set(addresses.values).count == addresses.count, "an address was handed out twice")
        let held = try setup.listed()
        #expect(held.count == 80, "ip list holds \(held.count) records")
        for (id, address) in addresses { #expect(held[id] == address, "\(id): ADD said \(address), the store holds \(held[id] ?? "nothing")") }
        let samples = try agent.metrics()
        #expect(samples[#"spiderpool_agent_calls_total{outcome="served"}"#] == 40, "the agent served the 40 ADDs sent to it: \(samples)")
        #expect(samples[#"spiderpool_cni_requests_total{plugin="spiderpool",command="ADD",result="success"}"#] == 40)
        try AgentTests.expectGaugesMatch(agent, setup)
    }

    @Test("kill -9 of the agent in a burst loses nothing; calls go on directly; a restarted agent serves and its gauges match")
    func killedMidBurst() throws {
        let setup = try Setup("kill")
        let agent = try setup.startAgent()
        try agent.waitReady()
        let loops = try setup.startLoops([setup.throughAgent, setup.throughAgent, setup.throughAgent], each: 25, tag: "burst")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && loops.map({ setup.lines($0.1) }).reduce(0, +) < 15 { usleep(5_000) }
        agent.killHard()
        let atKill = loops.map { setup.lines($0.1) }.reduce(0, +)
        let (addresses, failures) = try setup.finish(loops)
        #expect(atKill >= 15 && atKill < 75, "the agent was killed in the middle of the burst (\(atKill) of 75 ADDs answered)")
        #expect(failures.isEmpty, "failed ADDs: \(failures.prefix(5))")
        #expect(addresses.count == 75)
        #expect(Set(addresses.values).count == addresses.count, "an address was handed out twice")
        let held = try setup.listed()
        #expect(held.count == 75, "ip list holds \(held.count) records: nothing lost, nothing left behind")
        for (id, address) in addresses { #expect(held[id] == address, "\(id): ADD said \(address), the store holds \(held[id] ?? "nothing")") }

        // DEL with no agent at all.
        let deleted = try setup.cni("DEL", "burst0-c0", config: setup.throughAgent)
        #expect(deleted.status == 0, "DEL without the agent: \(deleted)")

        // A new agent on the same socket path serves again.
        let restarted = try setup.startAgent()
        try restarted.waitReady()
        let added = try setup.cni("ADD", "after-restart", config: setup.throughAgent)
        #expect(added.status == 0, "\(added)")
        let samples = try restarted.metrics()
        #expect(samples[#"spiderpool_agent_calls_total{outcome="served"}"#] == 1, "the restarted agent served the ADD")
        try AgentTests.expectGaugesMatch(restarted, setup)
        #expect(restarted.terminate() == 0, "SIGTERM ends the agent cleanly: \(restarted.logText)")
        #expect(access(setup.socket, F_OK) != 0, "the socket is removed at shutdown")
    }

    @Test("a call for another store is refused once, then runs without the agent (the hand-off to spiderctl does not ask again)")
    func otherStore() throws {
        let setup = try Setup("other")
        let agent = try AgentProcess(store: setup.etcd.store(prefix: "/elsewhere"), socket: setup.socket,
                                     log: setup.workspace.io + "/agent-other.log")
        try agent.waitReady()
        let added = try setup.cni("ADD", "other-1", config: setup.throughAgent)
        #expect(added.status == 0, "\(added)")
        #expect(added.stderr.contains("the agent refused the call: this agent serves"), "\(added)")
        #expect(try setup.listed()["other-1"] != nil)
        let samples = try agent.metrics()
        #expect(samples[#"spiderpool_agent_calls_total{outcome="refused"}"#] == 1, "refused once, not again by spiderctl: \(samples)")
        #expect(samples[#"spiderpool_agent_calls_total{outcome="served"}"#] == nil)
    }

    @Test("DEL and GC never wait for a stopped agent")
    func stoppedAgent() throws {
        let setup = try Setup("stopped", etcd: false)
        let agent = try setup.startAgent()
        let added = try setup.cni("ADD", "held", config: setup.throughAgent)
        #expect(added.status == 0, "\(added)")
        kill(agent.process.processIdentifier, SIGSTOP)
        defer { kill(agent.process.processIdentifier, SIGCONT) }
        let started = Date()
        let deleted = try setup.cni("DEL", "held", config: setup.throughAgent)
        #expect(deleted.status == 0, "\(deleted)")
        // An ADD waits at most the accept bound (250 ms) for a stopped agent, then runs itself.
        let fallback = try setup.cni("ADD", "while-stopped", config: setup.throughAgent)
        #expect(fallback.status == 0, "\(fallback)")
        #expect(Date().timeIntervalSince(started) < 5, "DEL and the ADD took \(Date().timeIntervalSince(started)) s with the agent stopped")
        #expect(try setup.listed().keys.sorted() == ["while-stopped"])
    }

    @Test("metrics count the calls by plugin, command and result")
    func requestCounts() throws {
        let setup = try Setup("counts", etcd: false)
        let agent = try setup.startAgent()
        for index in 0..<3 { #expect(try setup.cni("ADD", "c\(index)", config: setup.throughAgent).status == 0) }
        #expect(try setup.cni("DEL", "c0", config: setup.throughAgent).status == 0)
        // A failing ADD (an unknown pool), served by the agent.
        let config = cniJSON(["cniVersion": "1.1.0", "name": "nodes", "type": "spiderpool",
                              "ipam": ["type": "spiderpool", "store": setup.store, "default_ipv4_ippool": ["missing"], "agent_socket": setup.socket]])
        let bad = setup.workspace.io + "/bad.json"
        try Data(config.utf8).write(to: URL(fileURLWithPath: bad))
        let failed = try setup.cni("ADD", "bad", config: bad)
        expectCNIError(failed, code: 100, "an unknown pool through the agent")
        // The same call without the agent fails the same way.
        let directConfig = cniJSON(["cniVersion": "1.1.0", "name": "nodes", "type": "spiderpool",
                                    "ipam": ["type": "spiderpool", "store": setup.store, "default_ipv4_ippool": ["missing"], "agent_socket": ""]])
        let directFile = setup.workspace.io + "/bad-direct.json"
        try Data(directConfig.utf8).write(to: URL(fileURLWithPath: directFile))
        let direct = try setup.cni("ADD", "bad", config: directFile)
        #expect(direct.stdout == failed.stdout, "the agent's error is the plugin's own")
        let samples = try agent.metrics()
        #expect(samples[#"spiderpool_cni_requests_total{plugin="spiderpool",command="ADD",result="success"}"#] == 3)
        #expect(samples[#"spiderpool_cni_requests_total{plugin="spiderpool",command="ADD",result="failure"}"#] == 1)
        #expect(samples[#"spiderpool_cni_requests_total{plugin="spiderpool",command="DEL",result="success"}"#] == 1)
        #expect(samples[#"spiderpool_cni_request_duration_seconds_count{plugin="spiderpool",command="ADD"}"#] == 4)
        try AgentTests.expectGaugesMatch(agent, setup)
    }

    @Test("a non-root peer, an oversized request, a foreign protocol and a silent connection are refused")
    func refusals() throws {
        let setup = try Setup("refuse", etcd: false)
        let agent = try setup.startAgent(["--request-timeout", "1"])
        var info = stat()
        #expect(lstat(setup.socket, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_uid == 0, "the socket is root's, mode 0600")

        // Oversized: refused from the header alone, with the limit named.
        let header: [UInt8] = [0x53, 0x50, 1, 1, 0x00, 0x50, 0x00, 0x00]  // a call of 5 MiB
        let answer = try AgentProcess.exchange(socket: setup.socket, header)
        let text = String(decoding: answer.dropFirst(8), as: UTF8.self)
        #expect(answer.count > 8 && answer[3] == 5, "a refused frame: \(answer.prefix(8))")
        #expect(text.contains("5242880 bytes is larger than the limit of 4194304 bytes"), "\(text)")

        let foreign = try AgentProcess.exchange(socket: setup.socket, Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(String(decoding: foreign.dropFirst(8), as: UTF8.self).contains("not the spiderpool agent protocol"))

        // A connection that never completes its request is closed after the read bound.
        let started = Date()
        let silent = try AgentProcess.exchange(socket: setup.socket, [0x53, 0x50])
        #expect(silent.isEmpty && Date().timeIntervalSince(started) < 5, "closed after about 1 s")

        // A non-root process (the socket opened up for the test) is refused by its credentials.
        #expect(chmod(setup.socket, 0o666) == 0)
        chmod(setup.workspace.root, 0o755)
        let config = String(decoding: FileManager.default.contents(atPath: setup.throughAgent) ?? Data(), as: UTF8.self)
        guard let setpriv = CNITools.find("setpriv") else { throw CNIHarnessFailure("setpriv is missing: apt-get install -y util-linux") }
        let outcome = try setup.workspace.execute(setpriv, CNIWorkspace.environment("ADD", containerID: "nobody", ifname: "eth0", netns: "/proc/self/ns/net"),
                                                  stdin: config, arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", setup.workspace.spiderpool])
        #expect(outcome.stderr.contains("only root may call the agent; this process runs as uid 65534"), "\(outcome)")
        #expect(agent.logText.contains("refused a connection from uid 65534"), "\(agent.logText)")
        #expect(try setup.listed().isEmpty, "the refused call changed nothing through the agent")
    }
}
