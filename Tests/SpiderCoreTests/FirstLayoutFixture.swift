import Foundation
import Testing

/// A store written by the first layout (commit d58da3d's spiderctl and spiderpool plugin):
/// three pools (IPv4, IPv6, a /16), a reserved-IP set, 13 records of which 3 are parked for
/// sticky Pods (one dual-stack), one with damaged bytes, a 300-character container ID, a stale
/// owners entry. `ip-list.json` is what that spiderctl's `ip list -o json` printed for it.
enum FirstLayoutFixture {
    static let folder = GoldenFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/first-layout")

    /// Unpacks the store (hard links kept) into a new scratch folder; returns the store's path.
    static func unpack() throws -> String {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("spiderpool-first-layout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-C", parent, "-xf", folder.appendingPathComponent("store.tar").path]
        try tar.run()
        tar.waitUntilExit()
        try #require(tar.terminationStatus == 0, "tar could not unpack \(folder.path)/store.tar")
        return parent + "/store"
    }
}
