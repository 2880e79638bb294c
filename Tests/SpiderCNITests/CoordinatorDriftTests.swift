import Foundation
import SpiderCore
import SpiderNetlink
import Testing
@testable import SpiderCNI

/// After ADD the coordinator reads the namespaces back: a difference from the applied plan is
/// reported (drift), never dropped. Real namespaces (root).
@Suite(.serialized)
struct CoordinatorDriftTests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    @discardableResult
    static func sh(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(description: "`\(arguments.joined(separator: " "))` failed: \(output)") }
        return output
    }

    @Test("a rule removed behind the plan's back is reported as drift; an untouched result is not")
    func ruleRemoved() throws {
        guard getuid() == 0 else { throw Failure(description: "this test creates network namespaces: run the tests as root") }
        let tag = String(getpid())
        let podName = "spcni-drift-pod-\(tag)", nodeName = "spcni-drift-node-\(tag)"
        try Self.sh(["ip", "netns", "add", podName])
        defer { _ = try? Self.sh(["ip", "netns", "delete", podName]) }
        try Self.sh(["ip", "netns", "add", nodeName])
        defer { _ = try? Self.sh(["ip", "netns", "delete", nodeName]) }
        let pod = NetworkNamespace.named(podName), node = NetworkNamespace.named(nodeName)

        let before = try CoordinatorPlugin.observe(pod: pod, node: node, firewall: false)
        let rule = try RoutingRule(parsing: "from 10.99.0.7 lookup 150 priority 1500")
        let plan = RoutePlan([PlannedOperation(.pod, .addRule(rule), reason: "test: replies of 10.99.0.7 use table 150")])
        try PlanExecutor(pod: pod, node: node).execute(plan)
        #expect(CoordinatorPlugin.drift(before: before, plan: plan, pod: pod, node: node) == nil)

        try Self.sh(["ip", "-n", podName, "rule", "del", "priority", "1500"])
        let drift = try #require(CoordinatorPlugin.drift(before: before, plan: plan, pod: pod, node: node))
        #expect(drift.contains("drift") && drift.contains("10.99.0.7"), "\(drift)")
    }

    @Test("an empty plan is never reported")
    func emptyPlan() {
        #expect(CoordinatorPlugin.drift(before: NamespacePair(pod: NetworkState(), node: NetworkState()), plan: RoutePlan(),
                                        pod: NetworkNamespace(path: "/nonexistent")) == nil)
    }
}
