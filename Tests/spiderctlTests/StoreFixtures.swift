import Foundation

/// Stores kept under Tests/Fixtures for the CLI tests.
enum StoreFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The first-layout store of Tests/Fixtures/first-layout (commit d58da3d's spiderctl and
    /// plugin wrote it: 3 pools, a reserved-IP set, 13 records of which 3 are parked, one
    /// dual-stack Pod parked, one record with damaged bytes, a 300-character container ID).
    static var firstLayout: URL { packageRoot.appendingPathComponent("Tests/Fixtures/first-layout") }

    /// Unpacks it (hard links kept) into `parent`; returns the store's path.
    static func unpackFirstLayout(into parent: String) throws -> String {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-C", parent, "-xf", firstLayout.appendingPathComponent("store.tar").path]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw StressFailure("tar could not unpack \(firstLayout.path)/store.tar into \(parent)") }
        return parent + "/store"
    }
}
