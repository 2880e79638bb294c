import Foundation
import Testing

/// The operator conveniences: `plan --graph`, `completion`, the help examples, and the
/// embedding example built with the package.
@Suite("operator tooling")
struct OperatorCommandTests {
    @Test("plan --graph draws the quick start's Pod: rules point at their tables, tables at interfaces")
    func graph() throws {
        let scenario = PlanCommandTests.goldenDirectory.appendingPathComponent("O1-overlay-calico-macvlan.json").path
        let result = try CLIRunner.run(["plan", "--scenario", scenario, "--graph"])
        #expect(result.status == 0, "\(result)")
        let dot = result.stdout
        #expect(dot.hasPrefix("digraph spiderpool {") && dot.hasSuffix("}\n"), "\(dot)")
        #expect(dot.contains("subgraph cluster_pod") && dot.contains("subgraph cluster_node"))
        for table in ["100", "101", "main"] {
            #expect(dot.contains("\"pod:table:\(table)\""), "table \(table) is drawn:\n\(dot)")
        }
        // A rule node per rule, with an edge to its table.
        let ruleEdges = dot.split(separator: "\n").filter { $0.contains("\"pod:rule:") && $0.contains("-> \"pod:table:") }
        #expect(ruleEdges.count >= 3, "rules lookup 100, 101 and main:\n\(dot)")
        #expect(dot.contains("-> \"pod:link:net1\""), "a table routes through net1:\n\(dot)")
        // Balanced quotes and braces: a well-formed DOT document.
        #expect(dot.filter { $0 == "{" }.count == dot.filter { $0 == "}" }.count)
        let svg = try CLIRunner.run(["plan", "--scenario", scenario, "--graph", "--graph-format", "svg"])
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") {
            #expect(svg.status == 0 && svg.stdout.contains("<svg"), "\(svg)")
        } else {
            #expect(svg.status == 1 && svg.stderr.contains("apt-get install graphviz"), "\(svg)")
        }
    }

    @Test("completion scripts for bash, zsh and fish", arguments: ["bash", "zsh", "fish"])
    func completion(shell: String) throws {
        let result = try CLIRunner.run(["completion", shell])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("spiderctl") && result.stdout.contains("inspect"), "\(shell):\n\(result.stdout.prefix(400))")
        #expect(try CLIRunner.run(["completion", "tcsh"]).status == 1)
    }

    @Test("every command's --help ends with an example", arguments: [
        ["range"], ["plan"], ["inspect"], ["completion"], ["pool", "apply"], ["pool", "get"], ["pool", "delete"],
        ["ip", "allocate"], ["ip", "release"], ["ip", "list"], ["gc"], ["cni", "install"], ["detect"], ["render", "nad"],
    ])
    func helpExamples(command: [String]) throws {
        let result = try CLIRunner.run(command + ["--help"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("spiderctl \(command.joined(separator: " "))") && result.stdout.lowercased().contains("example"),
                "\(command.joined(separator: " ")) --help has no example:\n\(result.stdout)")
    }

    @Test("ip list prints the same rows as a table, yaml and json")
    func ipListFormats() throws {
        let workspace = try CNIWorkspace("formats")
        try workspace.applyPool("fmt", subnet: "10.66.0.0/24", ips: ["10.66.0.10-10.66.0.20"])
        let allocated = try CLIRunner.run(["ip", "allocate", "--pool", "fmt", "--container-id", "c1", "--ifname", "eth0",
                                           "--pod", "default/web-0", "--store", workspace.store])
        #expect(allocated.status == 0 && allocated.stdout == "10.66.0.10/24\n", "\(allocated)")
        let table = try CLIRunner.run(["ip", "list", "--store", workspace.store])
        #expect(table.lines.count == 2 && table.lines[1].contains("web-0") && table.lines[1].contains("10.66.0.10/24"), "\(table)")
        let yaml = try CLIRunner.run(["ip", "list", "-o", "yaml", "--store", workspace.store])
        #expect(yaml.status == 0 && yaml.stdout.contains("ipv4: 10.66.0.10/24") && yaml.stdout.contains("name: web-0"), "\(yaml)")
        let json = try CLIRunner.run(["ip", "list", "-o", "json", "--store", workspace.store])
        let items = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [[String: Any]]
        #expect(items?.first?["ipv4"] as? String == "10.66.0.10/24", "\(json)")
    }

    @Test("the embedding example plans the quick start's routes with SpiderCore alone")
    func embeddingExample() throws {
        let binary = try CLIRunner.binary().deletingLastPathComponent().appendingPathComponent("embed-planner")
        let process = Process()
        process.executableURL = binary
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("from 10.6.212.200 lookup 101"), "\(output)")
        #expect(output.contains("A second ADD plans 0 operations."), "\(output)")
    }
}
