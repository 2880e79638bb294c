import Foundation
import Testing

/// SpiderEmbeddedLedger is linked into the lean, fully static CNI binary: it imports SpiderCore,
/// SQLite and the C library, nothing else (no Foundation).
@Suite("SpiderEmbeddedLedger's imports")
struct EmbeddedLedgerBoundaryTests {
    static let allowed: Set<String> = ["SpiderCore", "CSQLite", "Glibc", "Musl", "Darwin", "Synchronization"]

    @Test("every file of Sources/SpiderEmbeddedLedger imports only SpiderCore, SQLite and the C library")
    func imports() throws {
        let root = GoldenFixtures.packageRoot.appendingPathComponent("Sources/SpiderEmbeddedLedger")
        let files = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 2, "only \(files) under \(root.path)")
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let index = words.firstIndex(of: "import"), index <= 2, index + 1 < words.count else { continue }
                let module = words[index + 1].split(separator: ".").first.map(String.init) ?? ""
                #expect(Self.allowed.contains(module), "\(file): \(line)")
            }
        }
    }
}
