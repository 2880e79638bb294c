import Foundation
import Testing

/// SpiderCore stays pure: nothing but the standard library (Docs/ARCHITECTURE.md).
struct ModuleBoundaryTests {
    static let forbidden = ["Foundation", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch", "Yams", "Logging"]

    @Test("no file of Sources/SpiderCore imports Foundation, Glibc, Dispatch, Yams or Logging")
    func pureImports() throws {
        let root = GoldenFixtures.packageRoot.appendingPathComponent("Sources/SpiderCore")
        guard let files = FileManager.default.enumerator(atPath: root.path) else {
            Issue.record("cannot list \(root.path)")
            return
        }
        var checked = 0
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            checked += 1
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count, index <= 2 else { continue }
                let module = words[index + 1].split(separator: ".").first.map(String.init) ?? ""
                #expect(!Self.forbidden.contains(module), "\(file): \(line)")
            }
        }
        #expect(checked > 50, "only \(checked) files found under \(root.path)")
    }

    @Test("Package.swift gives SpiderCore no dependencies")
    func noDependencies() throws {
        let manifest = try String(contentsOf: GoldenFixtures.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.contains(#".target(name: "SpiderCore"),"#), "SpiderCore's target must be declared without dependencies")
    }
}
