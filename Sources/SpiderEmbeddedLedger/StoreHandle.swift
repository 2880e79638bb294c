import CSQLite
import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The open store behind an ``EmbeddedLedger``: its database connection (opened when the store
/// exists), the `store.lock` file, and the transaction in progress.
///
/// Every use holds a recursive mutex, so one ledger may be shared by threads; a write runs in
/// one transaction that first takes `flock(store.lock)` (waiters queue in the kernel and wake as
/// soon as it is released) and then SQLite's write lock (`BEGIN IMMEDIATE`). Nested writes (a
/// pool lock around `reserve`) join the outer transaction.
final class StoreHandle: @unchecked Sendable {
    let root: String
    var databasePath: String { root + "/" + EmbeddedLedger.databaseName }
    /// Allocated once, so that its address never moves (a stored property's may).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var connection: SQLiteConnection?
    private var lockDescriptor: Int32 = -1
    private var depth = 0
    /// Whether the open database has the tables (a file left by a process killed while it
    /// created the store has none: the next write creates them).
    private var schemaReady = false
    /// Pool documents parsed by this process, by name and stored text (an ADD reads its pool
    /// twice: with the list, and again under the lock). Used only while the mutex is held.
    var parsedPools: [String: Result<SpiderIPPool, UnreadableDocument>] = [:]

    init(root: String) {
        self.root = root
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        connection = nil
        if lockDescriptor >= 0 { close(lockDescriptor) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    // MARK: Opening

    /// Checks the root and opens the database when there is one; a first-layout store is
    /// migrated first. A missing root is fine (the first write creates it).
    func open() throws(IPAMError) {
        try locked { () throws(IPAMError) in
            guard let directory = try StoreDirectory.openRoot(root) else { return }
            let state = try checkTrust(directory)
            switch state {
            case .database: connection = try connect(create: false)
            case .firstLayout:
                _ = try StoreMigration.migrate(directory, handle: self)
                connection = try connect(create: false)
            case .empty: break
            }
        }
    }

    /// What a trusted root holds.
    enum RootState { case database, firstLayout, empty }

    /// Refuses a root another user could have prepared, and a directory that is not a store.
    func checkTrust(_ directory: StoreDirectory) throws(IPAMError) -> RootState {
        let info = try directory.status()
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .store("\(root) belongs to user \(info.st_uid), not root: refused (chown it to root or name another store)")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw .store("\(root) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))): refused (chmod 0700 it)")
        }
        if let database = directory.status(EmbeddedLedger.databaseName) {
            guard database.st_mode & S_IFMT == S_IFREG else {
                throw .store("\(databasePath) is not a regular file: refused (the store never follows links; remove it)")
            }
            return .database
        }
        if FirstLayoutStore.isPresent(in: directory) { return .firstLayout }
        if let bytes = try? directory.contents(EmbeddedLedger.markerName), String(decoding: bytes, as: UTF8.self).contains("layout 2") {
            // Never recreate an empty store in place of one that was lost.
            throw .store("\(databasePath) is missing, but \(root) is marked as a store that holds it: refused (restore the file, or remove \(root)/\(EmbeddedLedger.markerName) to start an empty store)")
        }
        let names = try directory.names()
        let ours = names.allSatisfy { EmbeddedLedger.ownNames.contains($0) || FirstLayoutStore.folders.contains($0) || $0.hasPrefix(EmbeddedLedger.databaseName) }
        guard ours else {
            throw .store("\(root) is not a spiderpool store: it has no \(EmbeddedLedger.databaseName) and holds other files (name a new or empty directory)")
        }
        return .empty
    }

    /// Opens the database file with the ledger's settings, refusing one of a newer layout.
    func connect(create: Bool) throws(IPAMError) -> SQLiteConnection {
        let database: SQLiteConnection
        let version: Int64
        do throws(SQLiteFailure) {
            database = try SQLiteConnection(path: databasePath, create: create)
            sqlite3_busy_timeout(database.handle, 10_000)
            database.trackLog()
            // Commits write the log; `write` syncs it after leaving the queue (`syncLog`).
            try database.execute("PRAGMA synchronous = OFF")
            version = try database.pragmaInteger("user_version")
        } catch {
            throw StoreHandle.error(error, path: databasePath, root: root)
        }
        guard version <= LedgerSchema.version else {
            throw .store("\(databasePath) was written by a newer swift-spiderpool (layout \(version); this binary knows layout \(LedgerSchema.version)): refused, nothing was changed (use that version's spiderctl)")
        }
        schemaReady = version == LedgerSchema.version
        return database
    }

    // MARK: Reading and writing

    /// Runs `body` with the connection, or with `nil` when the store does not exist yet.
    func read<T>(_ body: (SQLiteConnection?) throws(IPAMError) -> T) throws(IPAMError) -> T {
        try locked { () throws(IPAMError) -> T in
            if connection == nil, let directory = try StoreDirectory.openRoot(root), try checkTrust(directory) != .empty {
                // Another process created (or migrated) the store since this one looked.
                try open()
            }
            return try body(schemaReady ? connection : nil)
        }
    }

    /// Runs `body` in one write transaction, creating the store when it does not exist; a
    /// thrown error rolls everything back. Returns once the change is on the disk.
    func write<T>(_ body: (SQLiteConnection) throws(IPAMError) -> T) throws(IPAMError) -> T {
        try locked { () throws(IPAMError) -> T in
            if depth > 0, let connection { return try body(connection) }
            let database = try prepareForWrite()
            let result = try committed(database, body)
            // The commit wrote the log without syncing it (`synchronous=OFF`); it is synced here,
            // after the queue moved on, and before anyone is told: see `syncLog`.
            try syncLog(database)
            return result
        }
    }

    /// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT` holding `store.lock`, and empties the
    /// log when it has grown past ``logLimit``.
    private func committed<T>(_ database: SQLiteConnection, _ body: (SQLiteConnection) throws(IPAMError) -> T) throws(IPAMError) -> T {
        try takeFileLock()
        defer { flock(lockDescriptor, LOCK_UN) }
        do throws(SQLiteFailure) { try database.execute("BEGIN IMMEDIATE") } catch {
            throw StoreHandle.error(error, path: databasePath, root: root)
        }
        depth = 1
        defer { depth = 0 }
        let result: T
        do throws(IPAMError) {
            result = try body(database)
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
        do throws(SQLiteFailure) { try database.execute("COMMIT") } catch {
            try? database.execute("ROLLBACK")
            throw StoreHandle.error(error, path: databasePath, root: root)
        }
        if database.logFrames >= StoreHandle.logLimit { StoreHandle.truncateLog(database) }
        return result
    }

    /// Makes the committed log durable: `fdatasync` of the write-ahead log (and of its folder,
    /// the first time), through SQLite's own file.
    ///
    /// Commits do not sync (`synchronous=OFF`) so that the sync happens outside the queue on
    /// `store.lock`: the next writer goes on meanwhile, and the kernel serves the syncs of
    /// several processes with one journal commit (a group commit). It is as durable as SQLite's
    /// `synchronous=FULL` for what is acknowledged: the log is one file written in order, a sync
    /// writes every page of it written so far, and SQLite's recovery keeps frames only up to the
    /// first one that is missing or damaged; so an acknowledged change, and every change before
    /// it, is on the disk, and a change that was not yet synced is lost only with everything
    /// after it. Checkpoints, which copy the log into the database and empty the log, run with
    /// `synchronous=FULL` (``truncateLog(_:)``).
    private func syncLog(_ database: SQLiteConnection) throws(IPAMError) {
        let code = csqlite_sync_log(database.handle)
        guard code == SQLITE_OK else {
            throw StoreHandle.error(SQLiteFailure(code: code, message: "syncing the log failed"), path: databasePath + "-wal", root: root)
        }
    }

    /// How many log frames (pages) a commit may leave before the log is emptied.
    static let logLimit: Int32 = 128

    /// Copies the committed log into the database and empties it, still holding `store.lock`.
    ///
    /// Every CNI call is a new process and the first connection to the database, and SQLite
    /// rebuilds its log index from the whole log when the first connection opens it. A log left
    /// to grow to SQLite's own limit (1,000 pages) was read again by every call. Kept under
    /// ``logLimit`` pages (512 KiB), it costs the next process at most that many reads, and the
    /// copy with its two syncs is paid by one write in about forty. It waits at most 50 ms for a
    /// reader outside the queue (`ip list`, an operator's `sqlite3`); if one holds on, a later
    /// write empties the log. The commit was already durable, so a failure here loses nothing.
    static func truncateLog(_ database: SQLiteConnection) {
        // Synced in full: the log before it is copied, the database before the log is emptied.
        guard (try? database.execute("PRAGMA synchronous = FULL")) != nil else { return }
        defer { try? database.execute("PRAGMA synchronous = OFF") }
        sqlite3_busy_timeout(database.handle, 50)
        if sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil) == SQLITE_OK { database.logEmptied() }
        sqlite3_busy_timeout(database.handle, 10_000)
    }

    /// Whether a write transaction is open (nested calls join it).
    var inTransaction: Bool { depth > 0 }

    /// The connection for a write: the store is created (root 0700, schema, marker) when missing.
    private func prepareForWrite() throws(IPAMError) -> SQLiteConnection {
        if let connection, schemaReady { return connection }
        if try StoreDirectory.openRoot(root) == nil { try StoreHandle.makeDirectories(root) }
        guard let directory = try StoreDirectory.openRoot(root) else { throw .store("\(root) vanished while it was being created") }
        switch try checkTrust(directory) {
        case .database:
            let database: SQLiteConnection
            if let connection { database = connection } else { database = try connect(create: false) }
            if !schemaReady {
                try takeFileLock()
                defer { flock(lockDescriptor, LOCK_UN) }
                try StoreHandle.initialise(database, path: databasePath, root: root)
                try StoreHandle.writeMarker(directory)
                schemaReady = true
            }
            connection = database
        case .firstLayout:
            _ = try StoreMigration.migrate(directory, handle: self)
            connection = try connect(create: false)
        case .empty:
            try takeFileLock()
            defer { flock(lockDescriptor, LOCK_UN) }
            let database = try connect(create: true)
            // SQLite creates files 0644; the WAL and shared-memory files take the database's mode.
            chmod(databasePath, 0o600)
            try StoreHandle.initialise(database, path: databasePath, root: root)
            try StoreHandle.writeMarker(directory)
            schemaReady = true
            connection = database
        }
        guard let connection else { throw .store("\(databasePath) could not be opened") }
        return connection
    }

    /// Creates the tables in a new (or never initialised) database, in WAL mode.
    static func initialise(_ database: SQLiteConnection, path: String, root: String) throws(IPAMError) {
        do throws(SQLiteFailure) {
            let tables = try database.first("SELECT count(*) FROM sqlite_schema") { $0.integer(0) } ?? 0
            guard tables == 0 else { return }
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = FULL")
            defer { try? database.execute("PRAGMA synchronous = OFF") }
            try database.execute("BEGIN IMMEDIATE")
            do throws(SQLiteFailure) {
                try database.execute(LedgerSchema.create)
                try database.execute("COMMIT")
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        } catch {
            throw StoreHandle.error(error, path: path, root: root)
        }
    }

    /// Writes the layout-2 marker (atomically) and makes the directory entries durable.
    static func writeMarker(_ directory: StoreDirectory) throws(IPAMError) {
        let temporary = EmbeddedLedger.markerName + ".\(getpid())"
        _ = try? directory.remove(temporary)
        try directory.create(temporary, Array(EmbeddedLedger.markerText.utf8), durable: true)
        try directory.rename(temporary, into: directory, as: EmbeddedLedger.markerName)
        directory.sync()
    }

    /// Takes `flock(store.lock)`, waiting for the process that holds it.
    func takeFileLock() throws(IPAMError) {
        if lockDescriptor < 0 {
            guard let directory = try StoreDirectory.openRoot(root) else { throw .store("\(root) is missing") }
            lockDescriptor = try directory.openLockFile(EmbeddedLedger.lockName)
        }
        while flock(lockDescriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreDirectory.failure("lock \(root)/\(EmbeddedLedger.lockName)") }
        }
    }

    /// Runs `body` holding `flock(store.lock)` only (migration, which writes another file).
    func withFileLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try takeFileLock()
        defer { flock(lockDescriptor, LOCK_UN) }
        return try body()
    }

    /// `mkdir -p`: parents 0755, the store itself 0700.
    static func makeDirectories(_ path: String) throws(IPAMError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        let parts = path.split(separator: "/")
        for (index, part) in parts.enumerated() {
            prefix += "/" + part
            let last = index == parts.count - 1
            if mkdir(prefix, last ? 0o700 : 0o755) == 0 {
                if last { chmod(prefix, 0o700) }
            } else if errno != EEXIST {
                throw StoreDirectory.failure("create directory \(prefix)")
            }
        }
    }

    // MARK: Errors

    /// A SQLite failure as an error a person can act on; never "try again" for damage.
    static func error(_ failure: SQLiteFailure, path: String, root: String) -> IPAMError {
        let detail = failure.message.isEmpty ? "" : " (SQLite: \(failure.message))"
        switch failure.primary {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .storeUnavailable("\(path) stayed locked by another process for 10 s\(detail)")
        case SQLITE_FULL:
            return .store("no space left on the device that holds \(path)\(detail): nothing was changed; free some space and retry")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH:
            return .store("\(path) is not writable\(detail): nothing was changed (is the file system read-only?)")
        case SQLITE_CANTOPEN:
            return .store("cannot open \(path)\(detail): check that \(root) is a writable directory")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return .store("\(path) is damaged\(detail): nothing was changed; run `spiderctl store check --store \(root)` and restore the file from a backup if it cannot be repaired")
        case SQLITE_IOERR:
            return .store("I/O error on \(path)\(detail): nothing was changed")
        default:
            return .store("\(path): SQLite error \(failure.code)\(detail)")
        }
    }
}
