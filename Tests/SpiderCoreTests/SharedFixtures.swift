import Foundation
import Testing

/// The team's shared golden files live in `../shared/golden/` beside the project root.
///
/// Tests load them at run time. When they are missing the test fails with a message that says
/// where it looked; it never skips.
enum SharedFixtures {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `../shared/golden`, or `$SPIDER_SHARED_DIR/golden` when that is set.
    static var goldenDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SPIDER_SHARED_DIR"] {
            return URL(fileURLWithPath: override).appendingPathComponent("golden")
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden")
    }

    /// The bytes of a golden file, or a failure naming the path.
    static func data(_ relativePath: String) throws -> Data {
        let url = goldenDirectory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "golden file \(url.path) is missing: the shared/ folder must sit beside the project root (or set SPIDER_SHARED_DIR)")
        }
        return data
    }
}
