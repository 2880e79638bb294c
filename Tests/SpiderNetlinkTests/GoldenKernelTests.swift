import Foundation
import Testing
import SpiderCore
import SpiderCNI
import SpiderScenario
@testable import SpiderNetlink

/// Every golden coordinator case (Tests/Fixtures/golden), for real: its before-state built in two namespaces,
/// observed through netlink, planned, executed, observed again, and compared with `expect`.
@Suite("Golden route plans on a real kernel")
struct GoldenKernelTests {
    static var goldenDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/golden/coordinator")
    }

    static var cases: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path).filter { $0.hasSuffix(".json") }.sorted()) ?? []
    }

    @Test("the golden cases are there")
    func present() {
        #expect(Self.cases.count >= 16, "no golden cases found in \(Self.goldenDirectory.path)")
    }

    @Test("build, observe, plan, execute, compare", arguments: cases)
    func replay(_ name: String) throws {
        try RootRequirement.check(iptables: true)
        let data = try #require(FileManager.default.contents(atPath: Self.goldenDirectory.appendingPathComponent(name).path))
        let scenario = try CoordinatorScenario(json: data)
        let lab = try LabTopology(scenario)
        let before = try lab.observe(firewall: true)

        let config: CoordinatorConfig
        let plan: RoutePlan
        do {
            config = try CoordinatorConfig(netConf: scenario.netConf)
            plan = try CoordinatorPlanner(config: config).plan(before, scenario.invocation)
        } catch {
            guard case .error(let code, let contains) = scenario.expectation else {
                Issue.record("\(name): refused: \(error)")
                return
            }
            #expect(CNIError.code(for: error) == code && error.description.contains(contains), "\(name): \(error)")
            // A refused call changes nothing.
            #expect(PlanVerifier.differences(expected: before, actual: try lab.observe(firewall: true)).isEmpty)
            return
        }
        guard case .state(let podExpect, let nodeExpect, _) = scenario.expectation else {
            Issue.record("\(name): expected a refusal, got a plan of \(plan.operations.count) operations")
            return
        }
        try PlanExecutor(pod: lab.podNamespace, node: lab.nodeNamespace).execute(plan)
        let after = try lab.observe(firewall: true)
        let problems = (podExpect.map { NamespaceView(PlanVerifier.comparable(after.pod)).differences(from: $0, role: .pod) } ?? [])
            + (nodeExpect.map { NamespaceView(PlanVerifier.comparable(after.node)).differences(from: $0, role: .node) } ?? [])
        #expect(problems.isEmpty, "\(name) on the kernel:\n\(problems.joined(separator: "\n"))")
        // The simulator agrees with the kernel, and a second ADD plans nothing.
        let simulated = try before.applying(plan)
        let drift = PlanVerifier.differences(expected: simulated, actual: after)
        #expect(drift.isEmpty, "\(name): simulator vs kernel:\n\(drift.joined(separator: "\n"))")
        let again = try CoordinatorPlanner(config: config).plan(after, scenario.invocation)
        #expect(again.isEmpty, "\(name): re-ADD on the kernel plans \(again.operations.map(\.description))")
    }
}
