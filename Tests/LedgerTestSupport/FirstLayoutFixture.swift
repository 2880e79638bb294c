import Foundation

/// A store written by the first layout of the embedded ledger (commit d58da3d's spiderctl and
/// spiderpool plugin), kept in Tests/Fixtures/first-layout:
/// - 3 pools (IPv4, IPv6, a /16) and a reserved-IP set;
/// - 13 records: 3 parked for StatefulSet-style Pods (one of them dual-stack), one with damaged
///   bytes, one with a 300-character container ID;
/// - a stale owners entry.
///
/// `ip-list.json` beside it is what that spiderctl's `ip list -o json` printed for it.
public enum FirstLayoutFixture {
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/first-layout")

    /// Unpacks the store (hard links kept) into `parent`, created if missing; returns the
    /// store's path (`parent/store`).
    public static func unpack(into parent: String) throws -> String {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-C", parent, "-xf", folder.appendingPathComponent("store.tar").path]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw FixtureFailure("tar could not unpack \(folder.path)/store.tar into \(parent)") }
        return parent + "/store"
    }
}

public struct FixtureFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
