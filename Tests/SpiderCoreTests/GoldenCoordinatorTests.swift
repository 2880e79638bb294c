import Foundation
import Testing
@testable import SpiderCore
import SpiderScenario

/// The golden route-plan cases (`Tests/Fixtures/golden/coordinator/`), loaded at test time.
enum GoldenCoordinatorCases {
    static var directory: URL { GoldenFixtures.goldenDirectory.appendingPathComponent("coordinator") }

    static var names: [String] {
        get throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
            guard !names.isEmpty else { throw GoldenFixtures.Missing(description: "no golden cases in \(directory.path)") }
            return names
        }
    }

    static func scenario(_ name: String) throws -> CoordinatorScenario {
        try CoordinatorScenario(json: GoldenFixtures.data("coordinator/" + name))
    }

    /// The project's own cases, in `Tests/Scenarios/coordinator/`.
    static var ownDirectory: URL { GoldenFixtures.packageRoot.appendingPathComponent("Tests/Scenarios/coordinator") }

    static var ownNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: ownDirectory.path).filter { $0.hasSuffix(".json") }.sorted()) ?? []
    }

    static func ownScenario(_ name: String) throws -> CoordinatorScenario {
        let url = ownDirectory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GoldenFixtures.Missing(description: "cannot read \(url.path)")
        }
        return try CoordinatorScenario(json: data)
    }
}

@Suite("Golden route plans (Fixtures/golden/coordinator)")
struct GoldenCoordinatorTests {
    @Test("the golden cases are there")
    func present() throws {
        #expect(try GoldenCoordinatorCases.names.count >= 16)
    }

    @Test("planner + simulator give the expected tables or error", arguments: try GoldenCoordinatorCases.names)
    func goldenCase(_ name: String) throws {
        let run = ScenarioRun(try GoldenCoordinatorCases.scenario(name))
        let differences = run.differences
        #expect(differences.isEmpty, "\(name):\n\(differences.joined(separator: "\n"))")
    }

    @Test("a second ADD on the after-state plans nothing", arguments: try GoldenCoordinatorCases.names)
    func idempotent(_ name: String) throws {
        let scenario = try GoldenCoordinatorCases.scenario(name)
        let run = ScenarioRun(scenario)
        guard let config = run.config, let after = run.after, scenario.invocation.command == .add else { return }
        let again = try CoordinatorPlanner(config: config).plan(after, scenario.invocation)
        #expect(again.isEmpty, "\(name): second ADD plans \(again.operations.map(\.description))")
    }

    @Test("the project's own cases pass, and re-ADD plans nothing", arguments: GoldenCoordinatorCases.ownNames)
    func ownCase(_ name: String) throws {
        let scenario = try GoldenCoordinatorCases.ownScenario(name)
        let run = ScenarioRun(scenario)
        #expect(run.differences.isEmpty, "\(name):\n\(run.differences.joined(separator: "\n"))")
        if let config = run.config, let after = run.after, scenario.invocation.command == .add {
            let again = try CoordinatorPlanner(config: config).plan(after, scenario.invocation)
            #expect(again.isEmpty, "\(name): second ADD plans \(again.operations.map(\.description))")
        }
    }

    @Test("golden and own cases together make at least 25")
    func enoughCases() throws {
        #expect(try GoldenCoordinatorCases.names.count + GoldenCoordinatorCases.ownNames.count >= 25)
    }
}
