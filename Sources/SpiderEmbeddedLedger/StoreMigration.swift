import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a migration from the first layout moved.
public struct MigrationReport: Sendable, Hashable {
    public var pools = 0
    public var reservedIPs = 0
    public var records = 0
    /// Parked (sticky) records among ``records``.
    public var parked = 0
    /// Records whose file was damaged; kept held, their owner from the owners index or unknown.
    public var damagedRecords = 0
    public var cursors = 0
    /// Owners-index entries that were not the same file as a record (left by killed writers).
    public var staleOwnerEntries = 0
    /// Documents that could not be read: carried over as they were and reported by name.
    public var unreadableDocuments: [UnreadableDocument] = []
    /// Where the first layout's folders were moved once the new store was committed.
    public var backup = ""

    /// One line per fact, for `spiderctl store migrate`.
    public var lines: [String] {
        var lines = ["pools: \(pools)", "reserved IP sets: \(reservedIPs)",
                     "records: \(records) (\(parked) parked for sticky Pods, \(damagedRecords) damaged, kept held)",
                     "cursors: \(cursors)", "stale owner entries dropped: \(staleOwnerEntries)"]
        for document in unreadableDocuments {
            lines.append("unreadable \(document.kind) \(document.name) carried over as it was: \(document.reason)")
        }
        lines.append("the first layout was moved to \(backup)")
        return lines
    }
}

/// The conversion of a first-layout store (``FirstLayoutStore``) into the database, once.
///
/// It runs holding `store.lock` and every `locks/POOL.lock` of the first layout (so neither a
/// second new process nor an old one still running writes meanwhile), builds the whole database
/// in `store.db.migrating`, commits and syncs it, and only then renames it to `store.db`: a kill
/// at any instant leaves either the first layout untouched (the next open starts over) or the
/// complete new store. The first layout's folders are then moved into `migrated-layout-1/`.
enum StoreMigration {
    static let backupName = "migrated-layout-1"
    static let temporaryName = EmbeddedLedger.databaseName + ".migrating"

    /// Migrates the store in `directory` unless another process did it first (`nil` then).
    static func migrate(_ directory: StoreDirectory, handle: StoreHandle) throws(IPAMError) -> MigrationReport? {
        try handle.withFileLock { () throws(IPAMError) -> MigrationReport? in
            guard directory.status(EmbeddedLedger.databaseName) == nil else { return nil }
            let old = FirstLayoutStore(root: directory)
            let held = try holdOldLocks(old)
            defer { for descriptor in held { close(descriptor) } }
            var report = MigrationReport()
            let pools = try old.pools(), reserved = try old.reservedIPs(), records = try old.records()
            let cursors = try old.cursors()
            report.staleOwnerEntries = try old.staleOwnerEntries()
            try build(directory, pools: pools, reserved: reserved, records: records, cursors: cursors, report: &report)
            try directory.rename(temporaryName, into: directory, as: EmbeddedLedger.databaseName)
            directory.sync()
            try StoreHandle.writeMarker(directory)
            report.backup = directory.path + "/" + backupName
            try moveAside(directory)
            return report
        }
    }

    /// Takes the flock of every `locks/*.lock` of the first layout (what its writers hold).
    static func holdOldLocks(_ old: FirstLayoutStore) throws(IPAMError) -> [Int32] {
        guard let locks = try old.directory("locks") else { return [] }
        var held: [Int32] = []
        for name in try locks.names() where name.hasSuffix(".lock") {
            let descriptor = try locks.openLockFile(name)
            held.append(descriptor)
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    for item in held { close(item) }
                    throw StoreDirectory.failure("lock \(locks.path)/\(name)")
                }
            }
        }
        return held
    }

    static func build(_ directory: StoreDirectory, pools: [FirstLayoutStore.Document<SpiderIPPool>],
                      reserved: [FirstLayoutStore.Document<SpiderReservedIP>], records: [AllocationRecord],
                      cursors: [String: IPAddress], report: inout MigrationReport) throws(IPAMError) {
        for name in [temporaryName, temporaryName + "-journal"] { _ = try? directory.remove(name) }
        let path = directory.path + "/" + temporaryName
        do throws(SQLiteFailure) {
            let database = try SQLiteConnection(path: path, create: true)
            chmod(path, 0o600)
            try database.execute("PRAGMA synchronous = FULL")
            try database.execute("BEGIN IMMEDIATE")
            try database.execute(LedgerSchema.create)
            for pool in pools {
                try database.run("INSERT OR REPLACE INTO pools (name, manifest, backup, cursor) VALUES (?1, ?2, ?3, ?4)",
                                 [.text(pool.name), .text(pool.text), pool.manifest == nil ? .null : .text(pool.text),
                                  cursors[pool.name].map { .text($0.description) } ?? .null])
                if let problem = pool.problem {
                    report.unreadableDocuments.append(UnreadableDocument(kind: SpiderIPPool.kind, name: pool.name, reason: problem))
                }
                report.pools += 1
                if cursors[pool.name] != nil { report.cursors += 1 }
            }
            for item in reserved {
                try database.run("INSERT OR REPLACE INTO reserved (name, manifest, backup) VALUES (?1, ?2, ?3)",
                                 [.text(item.name), .text(item.text), item.manifest == nil ? .null : .text(item.text)])
                if let problem = item.problem {
                    report.unreadableDocuments.append(UnreadableDocument(kind: SpiderReservedIP.kind, name: item.name, reason: problem))
                }
                report.reservedIPs += 1
            }
            for record in records {
                let owner = record.owner
                let added = try database.run("INSERT OR IGNORE INTO records (\(LedgerSchema.recordColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                             [.text(record.pool), .blob(AddressKey.bytes(record.address)), .text(owner.containerID),
                                              .text(owner.interface), .text(owner.podNamespace), .text(owner.podName), .text(owner.podUID),
                                              .text(owner.node), .integer(record.isDamaged ? 1 : 0)])
                guard added == 1 else { continue }
                report.records += 1
                if owner.isParked { report.parked += 1 }
                if record.isDamaged { report.damagedRecords += 1 }
            }
            try HeldRuns(database: database).rebuild()
            try database.execute("COMMIT")
            // The committed file switches to WAL with nothing pending; closing it leaves one file.
            try database.execute("PRAGMA journal_mode = WAL")
        } catch {
            _ = try? directory.remove(temporaryName)
            throw StoreHandle.error(error, path: path, root: directory.path)
        }
        // The connection is closed here; make the file's bytes durable before it is renamed.
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw StoreDirectory.failure("open \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StoreDirectory.failure("sync \(path)") }
    }

    /// Moves the first layout's folders into `migrated-layout-1/` (kept, never read again).
    static func moveAside(_ directory: StoreDirectory) throws(IPAMError) {
        guard let backup = try directory.directory(backupName, create: true) else { return }
        for name in FirstLayoutStore.folders where directory.status(name) != nil {
            var target = name
            var suffix = 1
            while backup.status(target) != nil {
                suffix += 1
                target = "\(name).\(suffix)"
            }
            try directory.rename(name, into: backup, as: target)
        }
        directory.sync()
    }

    /// Removes the file of a migration that was killed before it committed.
    static func removeLeftovers(root: String) throws(IPAMError) {
        guard let directory = try StoreDirectory.openRoot(root), directory.status(EmbeddedLedger.databaseName) != nil else { return }
        for name in [temporaryName, temporaryName + "-journal"] { _ = try? directory.remove(name) }
    }
}

extension EmbeddedLedger {
    /// Converts a first-layout store in `root` into the current layout, explicitly; `nil` when
    /// there is nothing to migrate (no store, or one already converted).
    /// - Throws: `IPAMError/store(_:)` when the root cannot be trusted or the conversion fails
    ///   (the first layout is then left as it was).
    public static func migrate(root: String) throws(IPAMError) -> MigrationReport? {
        guard !root.isEmpty, !root.utf8.contains(0) else { throw .invalidStore("the store directory is empty or contains a NUL character") }
        guard let directory = try StoreDirectory.openRoot(root) else { return nil }
        let handle = StoreHandle(root: root)
        guard try handle.checkTrust(directory) == .firstLayout else { return nil }
        return try StoreMigration.migrate(directory, handle: handle)
    }
}
