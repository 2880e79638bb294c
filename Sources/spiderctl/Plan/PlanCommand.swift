import ArgumentParser
import Foundation
import SpiderCore
import SpiderScenario

/// `spiderctl plan`: what the coordinator would do for a scenario, without root.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a coordinator call for a scenario file and show it, check it, or explain a route.",
        discussion: """
            A scenario is the golden-case JSON: the Pod's and the node's state before the call, \
            the coordinator's CNI config, the invocation, and (optionally) what must hold after.

            Output formats:
              ip      the plan as ip/sysctl/iptables commands, each after its reason (default)
              json    the plan as JSON
              tables  the state after the plan, in the scenario's `expect` form

            Examples:
              spiderctl plan --scenario O1-overlay-calico-macvlan.json
              spiderctl plan --scenario O1-overlay-calico-macvlan.json --check
              spiderctl plan --scenario O1-overlay-calico-macvlan.json --explain "10.233.0.0/18 table main"
              spiderctl plan --scenario O1-overlay-calico-macvlan.json --graph | dot -Tsvg > pod.svg
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case ip, json, tables }

    @Option(help: ArgumentHelp("The scenario file (JSON).", valueName: "FILE"))
    var scenario: String

    @Option(name: [.customShort("o"), .customLong("output")], help: "ip, json or tables.")
    var output: Format = .ip

    @Flag(help: "Exit 0 when the scenario's `expect` holds, else print the differences and exit 1.")
    var check = false

    @Option(help: ArgumentHelp("Say which operation created a route and why: the route's destination, optionally followed by `table N` (pod, then node).", valueName: "ROUTE"))
    var explain: String?

    @Option(name: .customLong("pod-netns"), help: "The Pod namespace's name in the printed commands.")
    var podNetns = "pod"

    @Flag(help: "Print the Pod's and the node's interfaces, tables and rules after the plan as a diagram (Graphviz DOT).")
    var graph = false

    enum GraphFormat: String, ExpressibleByArgument, CaseIterable { case dot, svg }

    @Option(name: .customLong("graph-format"), help: "With --graph: dot (text) or svg (needs Graphviz's `dot`).")
    var graphFormat: GraphFormat = .dot

    func run() throws {
        guard let data = FileManager.default.contents(atPath: scenario) else {
            throw CommandFailure("cannot read scenario file '\(scenario)'")
        }
        let parsed: CoordinatorScenario
        do { parsed = try CoordinatorScenario(json: data) } catch { throw CommandFailure("\(scenario): \(error)") }
        let run = ScenarioRun(parsed)

        if check {
            let differences = run.differences
            if differences.isEmpty {
                Console.print("ok: \(parsed.name)")
                return
            }
            Console.print("FAILED: \(parsed.name)")
            differences.forEach(Console.print)
            throw ExitCode.failure
        }
        if let explain {
            try explainRoute(explain, run)
            return
        }
        guard let plan = run.plan, let after = run.after else {
            throw CommandFailure(run.failure?.description ?? "the call was refused")
        }
        if graph {
            let dot = PlanGraph.dot(after, title: parsed.name)
            Console.write(graphFormat == .svg ? try PlanCommand.svg(dot) : dot)
            return
        }
        switch output {
        case .ip: PlanPrinter.printCommands(plan, podNetns: podNetns)
        case .json: Console.print(PlanPrinter.json(plan))
        case .tables: Console.print(PlanPrinter.tables(after))
        }
    }

    /// DOT rendered by Graphviz's `dot -Tsvg`.
    static func svg(_ dot: String) throws -> String {
        guard let path = ["/usr/bin/dot", "/usr/local/bin/dot"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CommandFailure("--graph-format svg needs Graphviz's dot (apt-get install graphviz); --graph prints DOT without it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(dot.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CommandFailure("dot -Tsvg failed (exit \(process.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }

    func explainRoute(_ query: String, _ run: ScenarioRun) throws {
        guard let plan = run.plan else { throw CommandFailure(run.failure?.description ?? "the call was refused") }
        var words = query.split(separator: " ").map(String.init)
        var table: RouteTable?
        if let index = words.firstIndex(of: "table"), index + 1 < words.count {
            table = RouteTable(words[index + 1])
            words.removeSubrange(index...(index + 1))
        }
        guard let first = words.first, words.count == 1 else {
            throw CommandFailure("'\(query)' is not a route destination (an address, a CIDR or `default`, then optionally `table N`)")
        }
        let destination: IPNetwork?
        if first == "default" {
            destination = nil
        } else if let parsed = IPNetwork(hostOrCIDR: first) {
            destination = parsed.network
        } else {
            throw CommandFailure("'\(first)' is not a route destination (an address, a CIDR or `default`)")
        }
        func selected(_ route: Route) -> Bool {
            (destination.map { route.destination == $0 } ?? route.isDefault) && (table == nil || route.table == table)
        }
        let matches = plan.operations.enumerated().filter { _, operation in
            if case .addRoute(let route) = operation.action { return selected(route) }
            return false
        }
        guard !matches.isEmpty else {
            let before = run.scenario.before
            let existed = before.pod.routes.contains(where: selected) || before.node.routes.contains(where: selected)
            throw CommandFailure(existed ? "no operation creates '\(query)': it was there before the call" : "no operation creates '\(query)', and it was not there before")
        }
        for (index, operation) in matches {
            Console.print("operation \(index + 1) [\(operation.namespace)]: \(operation.action.commandLine().joined(separator: " "))")
            Console.print("  why: \(operation.reason)")
        }
    }
}

