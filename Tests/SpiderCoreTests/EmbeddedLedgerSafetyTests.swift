import Foundation
import Testing
@testable import SpiderCore
import SpiderCNI
import SpiderEmbeddedLedger
import LedgerTestSupport

/// The embedded ledger never touches a file that is not its own, never creates a store by
/// reading, stores names of any valid length, and keeps damaged records held (issue 14).
@Suite("embedded ledger: trust, names, damage")
struct EmbeddedLedgerSafetyTests {
    static func scratch(_ tag: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spiderpool-safety-\(tag)-\(UUID().uuidString)").path
    }

    static func pool(_ name: String = "p1", ips: [String] = ["10.30.0.10-10.30.0.20"]) -> SpiderIPPool {
        SpiderIPPool(name: name, subnet: "10.30.0.0/24", ips: ips)
    }

    static func request(_ id: String, _ interface: String = "eth0", pool: String = "p1") throws -> AllocationRequest {
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: id, interface: interface))
        request.podPools = PoolChoice(ipv4: [pool])
        return request
    }

    static func ipamError(_ body: () throws -> Void) -> IPAMError? {
        do { try body() } catch let error as IPAMError { return error } catch { return nil }
        return nil
    }

    // MARK: Item 4: files that are not ours

    @Test("a store.db or store.lock that is a symbolic link is refused; the link's target is left alone")
    func symlinkedDatabase() throws {
        let victim = Self.scratch("victim")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        defer { unlink(victim) }
        for name in [EmbeddedLedger.databaseName, "store.lock"] {
            let store = try PoolScratchStore()
            defer { store.remove() }
            try store.apply(Self.pool())
            let moved = store.root + "/" + name + ".moved"
            rename(store.root + "/" + name, moved)
            try FileManager.default.createSymbolicLink(atPath: store.root + "/" + name, withDestinationPath: victim)
            let error = Self.ipamError {
                let ledger = try EmbeddedLedger(root: store.root)
                try ledger.deletePool(named: "p1")
            }
            #expect(error.map { CNIError.code(for: $0) } == 104, "\(name): \(String(describing: error))")
            #expect(error?.description.contains(name) == true, "\(name): \(String(describing: error))")
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        }
    }

    @Test("a store root that is a symbolic link, another user's, or writable by others is refused")
    func untrustedRoot() throws {
        let real = Self.scratch("real")
        _ = try EmbeddedLedger(root: real).putPool(Self.pool())
        defer { try? FileManager.default.removeItem(atPath: real) }
        let link = Self.scratch("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        defer { unlink(link) }
        #expect(Self.ipamError { _ = try EmbeddedLedger(root: link) }?.description.contains("symbolic link") == true)

        chmod(real, 0o777)
        #expect(Self.ipamError { _ = try EmbeddedLedger(root: real) }?.description.contains("writable by group or others") == true)
        chmod(real, 0o700)
        _ = try EmbeddedLedger(root: real)

        chown(real, 65534, 65534)
        #expect(Self.ipamError { _ = try EmbeddedLedger(root: real) }?.description.contains("belongs to user 65534") == true)
        chown(real, 0, 0)
    }

    @Test("a directory of other files is not a store: nothing in it is written")
    func unmarkedDirectory() throws {
        let directory = Self.scratch("foreign")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data().write(to: URL(fileURLWithPath: directory + "/passwd"))
        let error = Self.ipamError { try EmbeddedLedger(root: directory).putPool(Self.pool()) }
        #expect(error?.description.contains("not a spiderpool store") == true, "\(String(describing: error))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["passwd"])

        // An empty directory becomes a store by its first write, and then carries the marker.
        let empty = Self.scratch("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try EmbeddedLedger(root: empty).putPool(Self.pool())
        #expect(FileManager.default.fileExists(atPath: empty + "/" + EmbeddedLedger.markerName))
        var info = stat()
        #expect(stat(empty + "/" + EmbeddedLedger.databaseName, &info) == 0 && info.st_mode & 0o077 == 0, "the database is 0600")
    }

    @Test("a store whose first write stopped before its tables (an empty store.db) gets them with the next write")
    func interruptedFirstWrite() throws {
        let root = Self.scratch("interrupted")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        chmod(root, 0o700)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data().write(to: URL(fileURLWithPath: root + "/" + EmbeddedLedger.databaseName))
        let ledger = try EmbeddedLedger(root: root)
        #expect(try ledger.pools().isEmpty)
        try ledger.putPool(Self.pool())
        #expect(try EmbeddedLedger(root: root).pools().map(\.name) == ["p1"])
    }

    @Test("a lost store.db is never replaced by an empty store")
    func lostDatabase() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        _ = try store.service.allocate(try Self.request("c1"))
        for suffix in ["", "-wal", "-shm"] { unlink(store.root + "/" + EmbeddedLedger.databaseName + suffix) }
        let error = Self.ipamError {
            let ledger = try EmbeddedLedger(root: store.root)
            _ = try IPAMService(ledger: ledger).allocate(try Self.request("c2"))
        }
        #expect(error.map { CNIError.code(for: $0) } == 104)
        #expect(error?.description.contains("is missing") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: store.root + "/" + EmbeddedLedger.databaseName))
    }

    // MARK: Item 13: reads create nothing

    @Test("reads and releases on a missing store (or a missing parent) create nothing")
    func missingStore() throws {
        let parent = Self.scratch("absent")
        let root = parent + "/store"
        let ledger = try EmbeddedLedger(root: root)
        let service = IPAMService(ledger: ledger)
        #expect(try ledger.pools().isEmpty)
        #expect(try ledger.allRecords().isEmpty)
        #expect(try service.release(try SpiderCore.Attachment(containerID: "c1", interface: "eth0")).isEmpty)
        #expect(try service.collectGarbage(valid: []).isEmpty)
        try ledger.deletePool(named: "p1")
        #expect(!FileManager.default.fileExists(atPath: parent))
        // The first write makes it, parents included.
        try ledger.putPool(Self.pool())
        #expect(FileManager.default.fileExists(atPath: root + "/" + EmbeddedLedger.markerName))
        try? FileManager.default.removeItem(atPath: parent)
    }

    // MARK: Item 12: long names

    @Test("a 1,024-character container ID and a 253-character pool name are stored, found and released")
    func longNames() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let poolName = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 61)
        #expect(poolName.count == 253)
        try store.apply(Self.pool(poolName))
        let id = String(repeating: "f", count: 1024)
        let result = try store.service.allocate(try Self.request(id, pool: poolName))
        #expect(result.addresses.map(\.address.description) == ["10.30.0.10/24"])
        #expect(try store.ledger.records(of: try SpiderCore.Attachment(containerID: id, interface: "eth0")).count == 1)
        // Another long ID with the same first characters is another attachment.
        let other = String(repeating: "f", count: 1023) + "e"
        #expect(try store.service.allocate(try Self.request(other, pool: poolName)).addresses.map(\.address.description) == ["10.30.0.11/24"])
        #expect(try store.service.release(try SpiderCore.Attachment(containerID: id, interface: "eth0")).count == 1)
        #expect(try store.ledger.records(pool: poolName).map(\.owner.containerID) == [other])
        try store.ledger.sweep()
        #expect(try store.ledger.records(of: try SpiderCore.Attachment(containerID: other, interface: "eth0")).count == 1)
        #expect(try store.service.release(try SpiderCore.Attachment(containerID: other, interface: "eth0")).count == 1)
        try store.service.deletePool(named: poolName)
        #expect(try store.ledger.pools().isEmpty)
    }

    // MARK: Item 21: hidden names

    @Test("an interface named .hidden is stored, found and released like any other")
    func hiddenInterface() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let attachment = try SpiderCore.Attachment(containerID: "c1", interface: ".hidden")
        _ = try store.service.allocate(try Self.request("c1", ".hidden"))
        #expect(try store.ledger.records(of: attachment).count == 1)
        #expect(try store.service.release(attachment).count == 1)
        #expect(try store.ledger.allRecords().isEmpty)
    }

    // MARK: Item 2: damaged records (migrated from the first layout)

    @Test("a first-layout record with damaged bytes keeps its owner from the owners index: GC keeps it, DEL releases it")
    func damagedRecord() throws {
        let parent = Self.scratch("first-layout")
        let root = try FirstLayoutFixture.unpack(into: parent)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let ledger = try EmbeddedLedger(root: root)
        let service = IPAMService(ledger: ledger)
        let c2 = try SpiderCore.Attachment(containerID: "c2", interface: "eth0")
        let damaged = try ledger.records(pool: "v4-pool").filter(\.isDamaged)
        #expect(damaged.map(\.address.description) == ["10.20.0.11"])
        #expect(damaged.first?.owner.attachment == c2)
        let valid = Set(try ledger.allRecords().map(\.owner.attachment))
        #expect(try service.collectGarbage(valid: valid).isEmpty)
        #expect(try service.release(c2).map(\.address.description) == ["10.20.0.11"])
    }

    // MARK: Item 19: a pool deleted under an ADD

    /// An embedded ledger whose pools vanish between the ADD's first read and its pool lock.
    struct VanishingPools: ForwardingLedger {
        let base: EmbeddedLedger
        func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? { nil }
    }

    @Test("an ADD whose pool was deleted meanwhile says the pool does not exist, not that it is used up")
    func deletedPool() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let service = IPAMService(ledger: VanishingPools(base: store.ledger))
        let error = Self.ipamError { _ = try service.allocate(try Self.request("c1")) }
        #expect(error == .poolNotFound("p1"), "\(String(describing: error))")
    }
}
