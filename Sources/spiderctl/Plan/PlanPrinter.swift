import Foundation
import SpiderCore

/// Renders plans and states for `spiderctl plan`.
enum PlanPrinter {
    /// The planner's decisions as comments (`# decision: KIND: reason`), then each operation as
    /// a comment with its reason and the command.
    static func printCommands(_ plan: RoutePlan, podNetns: String) {
        for decision in plan.decisions { Console.print("# decision: \(decision)") }
        if plan.isEmpty {
            // The decisions say why (disabled, CHECK, already in place); without any, the state is as planned.
            Console.print(plan.decisions.isEmpty ? "# nothing to do: the namespaces are already as planned" : "# nothing to do (the decisions above say why)")
        }
        for operation in plan.operations {
            Console.print("# [\(operation.namespace)] \(operation.reason)")
            var words = operation.action.commandLine(otherNamespace: operation.namespace == .pod ? "1" : podNetns)
            if operation.namespace == .pod {
                words = words.first == "ip" ? ["ip", "-n", podNetns] + words.dropFirst() : ["ip", "netns", "exec", podNetns] + words
            }
            Console.print(words.joined(separator: " "))
        }
    }

    /// The plan as JSON: `{"decisions": [{"kind", "reason"}], "operations": [{"namespace",
    /// "action", "command", "reason"}]}`.
    static func json(_ plan: RoutePlan) -> String {
        let operations: [[String: Any]] = plan.operations.map { operation in
            ["namespace": operation.namespace.rawValue, "action": operation.action.kind,
             "command": operation.action.commandLine(), "reason": operation.reason]
        }
        let decisions: [[String: Any]] = plan.decisions.map { ["kind": $0.kind.rawValue, "reason": $0.reason] }
        return encode(["decisions": decisions, "operations": operations])
    }

    /// The after-state in the scenario's `expect` form.
    static func tables(_ pair: NamespacePair) -> String {
        func namespace(_ state: NetworkState) -> [String: Any] {
            let view = NamespaceView(state)
            var result: [String: Any] = [
                "rules": view.rules(.v4), "tables": view.tables(.v4), "neighbours": view.neighbours,
                "sysctls": state.sysctls, "mangle": view.mangle(.v4),
            ]
            let v6: [String: Any] = ["rules": view.rules(.v6), "tables": view.tables(.v6), "mangle": view.mangle(.v6)]
            if !view.rules(.v6).isEmpty || !view.tables(.v6).isEmpty || !view.mangle(.v6).isEmpty { result["v6"] = v6 }
            return result
        }
        return encode(["pod": namespace(pair.pod), "node": namespace(pair.node)])
    }

    static func encode(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
