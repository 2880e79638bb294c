import Foundation
import SpiderCore
import SpiderYAML
import SpiderFuzzTargets
import Testing

/// The inputs kept in Tests/FuzzRegressions/TARGET (hostile inputs written by hand, and what
/// `scripts/fuzz.sh` found), replayed in process: none may crash or hang, and the manifests
/// among them must be refused with an error.
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzRegressions")

    static func inputs(_ target: FuzzTarget) throws -> [URL] {
        let folder = root.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return names.map { folder.appendingPathComponent($0) }
    }

    @Test("every kept input runs through its target without a crash", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "Tests/FuzzRegressions/\(target.rawValue) holds no input")
        for input in inputs {
            target.run(Array(try Data(contentsOf: input)))
        }
    }

    @Test("hostile manifests get a clear error", arguments: [
        ("billion-laughs.yaml", "more than 1000000 values"),
        ("deep-nesting.yaml", "deeper than 64 levels"),
        ("deep-flow.yaml", "deeper than 64 levels"),
        ("deep-json.json", "deeper than 64 levels"),
        ("compact-sequences.yaml", "deeper than 64 levels"),
    ])
    func hostileManifests(name: String, message: String) throws {
        let text = String(decoding: try Data(contentsOf: Self.root.appendingPathComponent("manifest/" + name)), as: UTF8.self)
        #expect {
            try ManifestDocument.parse(text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
