import Foundation
import Testing

/// `spiderctl plan` against the golden cases (Tests/Fixtures/golden): `--check`, the output formats, `--explain`.
@Suite("spiderctl plan")
struct PlanCommandTests {
    static var goldenDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/golden/coordinator")
    }

    static var cases: [String] {
        get throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path).filter { $0.hasSuffix(".json") }.sorted()
            guard !names.isEmpty else { throw CLIRunner.NotBuilt(description: "no golden cases in \(goldenDirectory.path)") }
            return names
        }
    }

    static func path(_ name: String) -> String { goldenDirectory.appendingPathComponent(name).path }

    @Test("--check exits 0 for every golden case", arguments: try cases)
    func check(_ name: String) throws {
        let result = try CLIRunner.run(["plan", "--scenario", Self.path(name), "--check"])
        #expect(result.status == 0, "\(name): \(result)")
        #expect(result.stdout.hasPrefix("ok: "))
    }

    @Test("--check exits 1 with a readable diff when expect does not hold")
    func checkFails() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.path("O1-overlay-calico-macvlan.json")))
        let edited = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"32765: from 10.6.212.145 lookup 101\"", with: "\"32765: from 10.6.212.145 lookup 102\"")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spiderctl-plan-\(UUID()).json")
        try Data(edited.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLIRunner.run(["plan", "--scenario", file.path, "--check"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("- 32765: from 10.6.212.145 lookup 102"), "\(result)")
        #expect(result.stdout.contains("+ 32765: from 10.6.212.145 lookup 101"), "\(result)")
    }

    @Test("--output ip: each command after its reason")
    func ipOutput() throws {
        let result = try CLIRunner.run(["plan", "--scenario", Self.path("O1-overlay-calico-macvlan.json")])
        #expect(result.status == 0, "\(result)")
        let lines = result.lines
        let rule = try #require(lines.firstIndex(of: "ip -n pod rule add from 10.6.212.145 lookup 101"), "\(result)")
        #expect(lines[rule - 1] == "# [pod] net1 replies leave by net1: from 10.6.212.145 lookup 101")
        #expect(lines.contains("ip route add 10.6.212.145 dev cali1a2b3c4d5e scope link table 500"))
        // The planner's decisions come first, as comments; then reason and command alternate.
        let decisions = lines.prefix { $0.hasPrefix("# decision: ") }
        #expect(decisions.contains("# decision: mode: overlay: mode auto, and net1 is not the first NIC (eth0) and the Pod has no veth0"), "\(result)")
        #expect(decisions.contains { $0.hasPrefix("# decision: policy-table: table 101") }, "\(result)")
        let steps = Array(lines.dropFirst(decisions.count))
        #expect(zip(steps, steps.dropFirst()).allSatisfy { a, b in a.hasPrefix("#") != b.hasPrefix("#") })
    }

    @Test("--output json lists the decisions beside the operations")
    func jsonDecisions() throws {
        let result = try CLIRunner.run(["plan", "--scenario", Self.path("U2-underlay-second-nic.json"), "-o", "json"])
        #expect(result.status == 0, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let decisions = try #require(object["decisions"] as? [[String: String]], "\(result)")
        #expect(decisions.contains { $0["kind"] == "invocation" && $0["reason"]?.hasPrefix("a later NIC") == true }, "\(decisions)")
        #expect(decisions.contains { $0["kind"] == "skipped" }, "\(decisions)")
    }

    @Test("--output ip: a plan with nothing to do says why in its decisions", arguments: [
        ("golden/coordinator/E03-mode-disabled.json", "# decision: mode: disabled"),
        ("../Scenarios/coordinator/P12-overlay-idempotent-readd.json", "# decision: in-place: already as wanted, so not planned: 7 routes"),
    ])
    func nothingToDo(_ file: String, _ decision: String) throws {
        let path = Self.goldenDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(file).path
        let result = try CLIRunner.run(["plan", "--scenario", path])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix(decision) }, "\(result)")
        #expect(lines.last == "# nothing to do (the decisions above say why)", "\(result)")
        #expect(lines.allSatisfy { $0.hasPrefix("#") }, "\(result)")
    }

    @Test("--output json and tables are JSON")
    func jsonOutputs() throws {
        for format in ["json", "tables"] {
            let result = try CLIRunner.run(["plan", "--scenario", Self.path("D1-dual-stack-overlay.json"), "-o", format])
            #expect(result.status == 0, "\(result)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(object != nil)
        }
        let tables = try CLIRunner.run(["plan", "--scenario", Self.path("O1-overlay-calico-macvlan.json"), "-o", "tables"])
        #expect(tables.stdout.contains("\"10.6.0.0/16 dev net1 scope link src 10.6.212.145\""))
    }

    @Test("--explain names the operation and its reason", arguments: [
        ("10.233.0.0/18", "Service CIDR 10.233.0.0/18 goes through the node"),
        ("default table 100", "table 100 holds eth0's default route"),
        ("10.6.212.145 table 500", "the node sends replies to 10.6.212.145"),
        ("default table 101", "net1's default route serves net1's replies from table 101"),
    ])
    func explain(_ route: String, _ reason: String) throws {
        let result = try CLIRunner.run(["plan", "--scenario", Self.path("O1-overlay-calico-macvlan.json"), "--explain", route])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains(reason), "\(result)")
    }

    @Test("bad input: one line, exit 1", arguments: [
        (["plan", "--scenario", "/nonexistent.json"], "/nonexistent.json"),
        (["plan", "--scenario", "/etc/hostname"], "/etc/hostname"),
        (["plan", "--scenario", "E04-mode-bogus.json"], "unknown tuneMode: bogus"),
        (["plan", "--scenario", "O1-overlay-calico-macvlan.json", "--explain", "banana"], "banana"),
        (["plan", "--scenario", "O1-overlay-calico-macvlan.json", "--explain", "10.99.0.0/16"], "10.99.0.0/16"),
    ])
    func badInput(_ arguments: [String], _ token: String) throws {
        let resolved = arguments.map { $0.hasSuffix(".json") && !$0.hasPrefix("/") ? Self.path($0) : $0 }
        let result = try CLIRunner.run(resolved)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(result.stderr.contains(token), "\(result)")
    }
}
