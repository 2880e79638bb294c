import Foundation
import Testing

/// The golden cases travel with the code in `Tests/Fixtures/golden/` (see its README.md).
///
/// Tests load them at run time by a path relative to this file, so a clone needs nothing beside
/// it. A missing file is a failure that names the path; it never skips.
enum GoldenFixtures {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `Tests/Fixtures/golden` in this checkout.
    static var goldenDirectory: URL {
        packageRoot.appendingPathComponent("Tests/Fixtures/golden")
    }

    /// The bytes of a golden file, or a failure naming the path.
    static func data(_ relativePath: String) throws -> Data {
        let url = goldenDirectory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "golden file \(url.path) is missing from this checkout (Tests/Fixtures/golden/README.md says where it comes from)")
        }
        return data
    }
}
