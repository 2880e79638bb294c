import Foundation
import Testing
@testable import SpiderCore
import SpiderCNI
import SpiderEmbeddedLedger

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

    @Test("a records/POOL that is a symbolic link is refused; pool delete leaves the link's target alone")
    func symlinkedRecordsFolder() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let victim = Self.scratch("victim")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: victim) }
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim + "/important"))
        try FileManager.default.removeItem(atPath: store.root + "/records/p1")
        try FileManager.default.createSymbolicLink(atPath: store.root + "/records/p1", withDestinationPath: victim)

        let error = Self.ipamError { try store.ledger.deletePool(named: "p1") }
        #expect(error.map { CNIError.code(for: $0) } == 104, "\(String(describing: error))")
        #expect(error?.description.contains("symbolic link") == true, "\(String(describing: error))")
        #expect(FileManager.default.fileExists(atPath: victim + "/important"))
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

    @Test("a directory of other files is not a store: nothing in it is swept or written")
    func unmarkedDirectory() throws {
        let directory = Self.scratch("foreign")
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data().write(to: URL(fileURLWithPath: directory + "/tmp/999999999-abc"))
        // Only folders of our layout, no marker: maybe a store whose first write stopped early;
        // it is opened, but never swept before it carries the marker.
        try EmbeddedLedger(root: directory).sweep()
        #expect(FileManager.default.fileExists(atPath: directory + "/tmp/999999999-abc"))
        try Data().write(to: URL(fileURLWithPath: directory + "/passwd"))
        let error = Self.ipamError { try EmbeddedLedger(root: directory).sweep() }
        #expect(error?.description.contains("not a spiderpool store") == true, "\(String(describing: error))")
        #expect(FileManager.default.fileExists(atPath: directory + "/tmp/999999999-abc"))

        // An empty directory becomes a store by its first write, and then carries the marker.
        let empty = Self.scratch("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try EmbeddedLedger(root: empty).putPool(Self.pool())
        #expect(FileManager.default.fileExists(atPath: empty + "/" + EmbeddedLedger.markerName))
    }

    @Test("a store whose first write stopped before its marker (only its own folders) is still a store")
    func interruptedFirstWrite() throws {
        let root = Self.scratch("interrupted")
        try FileManager.default.createDirectory(atPath: root + "/pools", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/reserved", withIntermediateDirectories: true)
        chmod(root, 0o700)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try EmbeddedLedger(root: root)
        try ledger.putPool(Self.pool())
        #expect(try ledger.pools().map(\.name) == ["p1"])
        try ledger.withStoreLock { () throws(IPAMError) in }
        #expect(FileManager.default.fileExists(atPath: root + "/locks/.store.lock"), "the store lock keeps the first layout's file name")
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

    @Test("a stale owners entry of an interface named .hidden is swept like any other")
    func hiddenInterface() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let taken = try store.service.allocate(try Self.request("c1", ".hidden"))
        let address = try #require(taken.addresses.first).address.address
        // The record goes (as a crashed release would leave it); the index entry is now stale.
        unlink(store.root + "/records/p1/\(address)")
        try store.ledger.sweep()
        #expect(!FileManager.default.fileExists(atPath: store.root + "/owners/c1/.hidden/p1@\(address)"))
        #expect(!FileManager.default.fileExists(atPath: store.root + "/owners/c1"))
    }

    // MARK: Item 25: read errors are not "not held"

    @Test("a record that cannot be read fails the release and keeps its owners entry")
    func unreadableRecord() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let attachment = try SpiderCore.Attachment(containerID: "c1", interface: "eth0")
        _ = try store.service.allocate(try Self.request("c1"))
        let record = try #require(try store.ledger.records(of: attachment).first)
        let path = store.root + "/records/p1/\(record.address)"
        unlink(path)
        mkdir(path, 0o700)  // stands in for a file whose read fails (EIO, EISDIR)
        #expect(Self.ipamError { _ = try store.ledger.release(record) }.map { CNIError.code(for: $0) } == 104)
        #expect(FileManager.default.fileExists(atPath: store.root + "/owners/c1/eth0/p1@\(record.address)"))
    }

    // MARK: Item 2: damaged records

    @Test("a damaged record keeps its owner from the owners index: GC keeps a valid attachment's address")
    func damagedRecord() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let k6 = try SpiderCore.Attachment(containerID: "k6", interface: "eth0")
        let held = try #require(try store.service.allocate(try Self.request("k6")).addresses.first).address.address
        // Overwrite the record in place (same inode as the owners entry) with random bytes.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: store.root + "/records/p1/\(held)"))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((0..<300).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()

        let records = try store.ledger.records(pool: "p1")
        #expect(records.count == 1)
        #expect(records.first?.isDamaged == true)
        #expect(records.first?.owner.attachment == k6)
        #expect(try store.service.collectGarbage(valid: [k6]).isEmpty)
        let next = try store.service.allocate(try Self.request("k7"))
        #expect(next.addresses.first?.address.address != held)
        // DEL of the owner still releases it.
        #expect(try store.service.release(k6).map(\.address) == [held])
    }

    @Test("a damaged record whose owner nothing tells (a new inode, no owners entry) stays held through GC")
    func damagedUnknownOwner() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.pool())
        let held = try #require(try store.service.allocate(try Self.request("k6")).addresses.first).address.address
        // Rewritten as a new file (an editor's save, a restore): the owners entry is no longer the record.
        let path = store.root + "/records/p1/\(held)"
        unlink(path)
        try Data((0..<50).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: path))
        let records = try store.ledger.records(pool: "p1")
        #expect(records.first?.isDamaged == true && records.first?.owner.containerID == AllocationOwner.unknownContainerID)
        #expect(try store.service.collectGarbage(valid: []).isEmpty)
        #expect(try store.ledger.records(pool: "p1").map(\.address) == [held])
        #expect(try store.service.allocate(try Self.request("k7")).addresses.first?.address.address != held)
    }

    // MARK: Item 19: a pool deleted under an ADD

    /// An embedded ledger whose pools vanish between the ADD's first read and its pool lock.
    struct VanishingPools: Ledger {
        let base: EmbeddedLedger
        func pools() throws(IPAMError) -> [SpiderIPPool] { try base.pools() }
        func putPool(_ pool: SpiderIPPool) throws(IPAMError) { try base.putPool(pool) }
        func deletePool(named name: String) throws(IPAMError) { try base.deletePool(named: name) }
        func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] { try base.reservedIPs() }
        func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) { try base.putReservedIP(reserved) }
        func deleteReservedIP(named name: String) throws(IPAMError) { try base.deleteReservedIP(named: name) }
        func records(pool: String) throws(IPAMError) -> [AllocationRecord] { try base.records(pool: pool) }
        func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? { nil }
        func records(of attachment: SpiderCore.Attachment) throws(IPAMError) -> [AllocationRecord] { try base.records(of: attachment) }
        func allRecords() throws(IPAMError) -> [AllocationRecord] { try base.allRecords() }
        func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.reserve(record) }
        func release(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.release(record) }
        func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool { try base.transfer(record, to: owner) }
        func cursor(pool: String) throws(IPAMError) -> IPAddress? { nil }
        func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) {}
        func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try base.withPoolLock(pool, body) }
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
