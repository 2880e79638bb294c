import SpiderCore

/// A ledger on the local disk that many processes share safely, with no server: one SQLite
/// database per store directory.
///
/// Layout under `root` (0700, files 0600):
///
/// ```
/// .spiderpool-store        the marker: "layout 2"
/// store.db                 the database (WAL mode: store.db-wal, store.db-shm beside it)
/// store.lock               flock(2): writers queue here before SQLite's write lock
/// ```
///
/// Every change is one short transaction (`BEGIN IMMEDIATE`) whose log is synced before it returns:
/// when a call returns, its change is on the disk, and a `kill -9` or a power cut at any instant
/// leaves the store as it was before or after the change, never between. An ADD finds the
/// lowest free address from the pool's ranges and an index of held runs, and an attachment's
/// records by key, so its cost does not grow with the number of addresses held
/// (Docs/STORE.md).
///
/// A store written by the first layout (`pools/`, `records/`, `owners/` …) is migrated the first
/// time it is opened (``migrate(root:)``).
///
/// The store trusts nothing it did not make: the root must not be a symbolic link, must belong
/// to root (or the caller) and must not be writable by others, and it must hold the database
/// (or be empty, or hold the first layout). Reads and releases never create the store: a
/// missing store holds nothing. A lost database is never replaced by an empty one.
public struct EmbeddedLedger: Ledger {
    /// The default directory.
    public static let defaultRoot = "/var/lib/spiderpool"
    /// The file that marks a directory as a store.
    public static let markerName = ".spiderpool-store"
    /// The database file in the store directory.
    public static let databaseName = "store.db"
    static let lockName = "store.lock"
    static let markerText = "swift-spiderpool embedded ledger, layout 2: store.db (SQLite)\n"
    /// Names of ours a store root may hold besides the database files.
    static let ownNames: Set<String> = [markerName, lockName, StoreMigration.backupName]

    public let root: String
    let handle: StoreHandle

    /// Opens the store directory (migrating a first-layout store). Creates nothing else: the
    /// store is made by its first write.
    /// - Throws: `IPAMError/store(_:)` when `root` exists but is not a store this process may
    ///   trust (a symbolic link, another user's, writable by others, a directory of other files,
    ///   a damaged database or one of a newer layout).
    public init(root: String = EmbeddedLedger.defaultRoot) throws(IPAMError) {
        guard !root.isEmpty else { throw .invalidStore("the store directory is empty") }
        // The C calls would stop at a NUL and use another directory than the one named.
        guard !root.utf8.contains(0) else { throw .invalidStore("the store directory contains a NUL character") }
        self.root = root
        handle = StoreHandle(root: root)
        try handle.open()
    }

    // MARK: Access

    func read<T>(_ empty: T, _ body: (SQLiteConnection) throws(SQLiteFailure) -> T) throws(IPAMError) -> T {
        try handle.read { connection throws(IPAMError) -> T in
            guard let connection else { return empty }
            do throws(SQLiteFailure) { return try body(connection) } catch { throw StoreHandle.error(error, path: handle.databasePath, root: root) }
        }
    }

    @discardableResult
    func write<T>(_ body: (SQLiteConnection) throws(SQLiteFailure) -> T) throws(IPAMError) -> T {
        try handle.write { connection throws(IPAMError) -> T in
            do throws(SQLiteFailure) { return try body(connection) } catch { throw StoreHandle.error(error, path: handle.databasePath, root: root) }
        }
    }

    /// Whether the store exists (removals and releases on a missing store create nothing).
    func exists() throws(IPAMError) -> Bool {
        try handle.read { $0 != nil }
    }

    // MARK: Pools and reserved IPs

    public func pools() throws(IPAMError) -> [SpiderIPPool] {
        try read([]) { database throws(SQLiteFailure) in try EmbeddedLedger.pools(database, parse: parsedPool).sound }
    }

    /// A stored pool document parsed, once per process for the same text.
    func parsedPool(_ text: String, name: String) -> Result<SpiderIPPool, UnreadableDocument> {
        let key = name + "\u{0}" + text
        if let parsed = handle.parsedPools[key] { return parsed }
        let parsed = EmbeddedLedger.parsePool(text, name: name)
        handle.parsedPools[key] = parsed
        return parsed
    }

    static func pools(_ database: SQLiteConnection, parse: (String, String) -> Result<SpiderIPPool, UnreadableDocument> = parsePool)
        throws(SQLiteFailure) -> (sound: [SpiderIPPool], unreadable: [UnreadableDocument]) {
        var sound: [SpiderIPPool] = [], unreadable: [UnreadableDocument] = []
        try database.query("SELECT name, manifest FROM pools ORDER BY name") { row throws(SQLiteFailure) in
            switch parse(row.text(1), row.text(0)) {
            case .success(let pool): sound.append(pool)
            case .failure(let document): unreadable.append(document)
            }
        }
        return (sound, unreadable)
    }

    static func parsePool(_ text: String, name: String) -> Result<SpiderIPPool, UnreadableDocument> {
        parse(text, name: name, kind: SpiderIPPool.kind, SpiderIPPool.init(document:), \.name)
    }

    static func parseReserved(_ text: String, name: String) -> Result<SpiderReservedIP, UnreadableDocument> {
        parse(text, name: name, kind: SpiderReservedIP.kind, SpiderReservedIP.init(document:), \.name)
    }

    /// A stored document parsed, or why it cannot be: not JSON, not a valid manifest, or one
    /// that names another object than its row.
    static func parse<M>(_ text: String, name: String, kind: String, _ make: (ManifestValue) throws(ManifestError) -> M,
                         _ nameOf: (M) -> String) -> Result<M, UnreadableDocument> {
        do throws(ManifestError) {
            guard let document = try ManifestValue.documents(json: text).first else { throw .malformed("the document is empty") }
            let manifest = try make(document)
            guard nameOf(manifest) == name else { throw .malformed("it names \(nameOf(manifest))") }
            return .success(manifest)
        } catch {
            return .failure(UnreadableDocument(kind: kind, name: name, reason: error.description))
        }
    }

    /// Every stored reserved-IP document: the sound ones, and those that cannot be read.
    static func reservedDocuments(_ database: SQLiteConnection) throws(SQLiteFailure) -> (sound: [SpiderReservedIP], unreadable: [UnreadableDocument]) {
        var sound: [SpiderReservedIP] = [], unreadable: [UnreadableDocument] = []
        try database.query("SELECT name, manifest FROM reserved ORDER BY name") { row throws(SQLiteFailure) in
            switch EmbeddedLedger.parseReserved(row.text(1), name: row.text(0)) {
            case .success(let reserved): sound.append(reserved)
            case .failure(let document): unreadable.append(document)
            }
        }
        return (sound, unreadable)
    }

    public func pool(named name: String) throws(IPAMError) -> SpiderIPPool? {
        try read(SpiderIPPool?.none) { database throws(SQLiteFailure) in
            guard let text = try database.first("SELECT manifest FROM pools WHERE name = ?1", [.text(name)], { $0.text(0) }) else { return nil }
            return try? parsedPool(text, name: name).get()
        }
    }

    public func hasPool(named name: String) throws(IPAMError) -> Bool {
        try read(false) { database throws(SQLiteFailure) in
            try database.first("SELECT 1 FROM pools WHERE name = ?1", [.text(name)]) { _ in true } ?? false
        }
    }

    public func unreadableDocuments() throws(IPAMError) -> [UnreadableDocument] {
        try read([]) { database throws(SQLiteFailure) in
            try EmbeddedLedger.pools(database, parse: parsedPool).unreadable + EmbeddedLedger.reservedDocuments(database).unreadable
        }
    }

    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool.name)
        let text = pool.manifest.json(pretty: true) + "\n"
        try write { database throws(SQLiteFailure) in
            // The backup is the last sound copy: what `store check --repair` restores.
            try database.run("""
                INSERT INTO pools (name, manifest, backup) VALUES (?1, ?2, ?2)
                ON CONFLICT (name) DO UPDATE SET manifest = excluded.manifest, backup = excluded.backup
                """, [.text(pool.name), .text(text)])
        }
    }

    public func deletePool(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        guard try exists() else { return }
        try write { database throws(SQLiteFailure) in
            try database.run("DELETE FROM records WHERE pool = ?1", [.text(name)])
            try database.run("DELETE FROM held_runs WHERE pool = ?1", [.text(name)])
            try database.run("DELETE FROM pools WHERE name = ?1", [.text(name)])
        }
    }

    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] {
        try read([]) { database throws(SQLiteFailure) in try EmbeddedLedger.reservedDocuments(database).sound }
    }

    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) {
        try EmbeddedLedger.checkName(reserved.name)
        let text = reserved.manifest.json(pretty: true) + "\n"
        try write { database throws(SQLiteFailure) in
            try database.run("""
                INSERT INTO reserved (name, manifest, backup) VALUES (?1, ?2, ?2)
                ON CONFLICT (name) DO UPDATE SET manifest = excluded.manifest, backup = excluded.backup
                """, [.text(reserved.name), .text(text)])
        }
    }

    public func deleteReservedIP(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        guard try exists() else { return }
        try write { database throws(SQLiteFailure) in try database.run("DELETE FROM reserved WHERE name = ?1", [.text(name)]) }
    }

    // MARK: Records

    static func record(_ row: SQLiteStatement) -> AllocationRecord? {
        guard let address = AddressKey.address(row.blob(1)) else { return nil }
        let owner = AllocationOwner(attachment: Attachment(unchecked: row.text(2), row.text(3)), podNamespace: row.text(4),
                                    podName: row.text(5), podUID: row.text(6), node: row.text(7))
        return AllocationRecord(pool: row.text(0), address: address, owner: owner, isDamaged: row.integer(8) != 0)
    }

    static func records(_ database: SQLiteConnection, _ sql: String, _ values: [SQLiteValue]) throws(SQLiteFailure) -> [AllocationRecord] {
        var result: [AllocationRecord] = []
        try database.query(sql, values) { row throws(SQLiteFailure) in
            if let record = EmbeddedLedger.record(row) { result.append(record) }
        }
        return result
    }

    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] {
        try EmbeddedLedger.checkName(pool)
        return try read([]) { database throws(SQLiteFailure) in
            try EmbeddedLedger.records(database, "SELECT \(LedgerSchema.recordColumns) FROM records WHERE pool = ?1 ORDER BY address", [.text(pool)])
        }
    }

    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] {
        try read([]) { database throws(SQLiteFailure) in
            try EmbeddedLedger.records(database, "SELECT \(LedgerSchema.recordColumns) FROM records WHERE container_id = ?1 AND interface = ?2",
                                       [.text(attachment.containerID), .text(attachment.interface)])
                .sorted { ($0.address.family, $0.pool, $0.address) < ($1.address.family, $1.pool, $1.address) }
        }
    }

    public func allRecords() throws(IPAMError) -> [AllocationRecord] {
        try read([]) { database throws(SQLiteFailure) in
            try EmbeddedLedger.records(database, "SELECT \(LedgerSchema.recordColumns) FROM records ORDER BY pool, address", [])
        }
    }

    public func record(in pool: String, at address: IPAddress) throws(IPAMError) -> AllocationRecord? {
        try read(AllocationRecord?.none) { database throws(SQLiteFailure) in
            try EmbeddedLedger.records(database, "SELECT \(LedgerSchema.recordColumns) FROM records WHERE pool = ?1 AND address = ?2",
                                       [.text(pool), .blob(AddressKey.bytes(address))]).first
        }
    }

    public func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView {
        // One read transaction: the pools, reserved IPs and held records of the same moment.
        try read(AllocationView(pools: [], reserved: [], held: [])) { database throws(SQLiteFailure) in
            let own = !handle.inTransaction
            if own { try database.execute("BEGIN") }
            defer { if own { try? database.execute("COMMIT") } }
            let pools = try EmbeddedLedger.pools(database, parse: parsedPool)
            let reserved = try EmbeddedLedger.reservedDocuments(database).sound
            let held = try EmbeddedLedger.records(database, "SELECT \(LedgerSchema.recordColumns) FROM records WHERE container_id = ?1 AND interface = ?2",
                                                  [.text(attachment.containerID), .text(attachment.interface)])
                .sorted { ($0.address.family, $0.pool, $0.address) < ($1.address.family, $1.pool, $1.address) }
            return AllocationView(pools: pools.sound, reserved: reserved, held: held, unreadablePools: pools.unreadable)
        }
    }

    public func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                          available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        try read(PoolOccupancy?.none) { database throws(SQLiteFailure) -> PoolOccupancy? in
            guard let text = try database.first("SELECT manifest FROM pools WHERE name = ?1", [.text(pool)], { $0.text(0) }),
                  let stored = try? parsedPool(text, name: pool).get() else { return nil }
            let owner = request.owner
            var occupancy = PoolOccupancy(pool: stored)
            occupancy.mine = try EmbeddedLedger.records(
                database, "SELECT \(LedgerSchema.recordColumns) FROM records WHERE container_id = ?1 AND interface = ?2 AND pool = ?3 ORDER BY address LIMIT 1",
                [.text(owner.containerID), .text(owner.interface), .text(pool)]).first
            if !owner.pod.isEmpty || !owner.podUID.isEmpty {
                // The same Pod NIC: an earlier sandbox (same UID) or its parked address.
                occupancy.previous = try EmbeddedLedger.records(database, """
                    SELECT \(LedgerSchema.recordColumns) FROM records
                    WHERE pool = ?1 AND pod_namespace = ?2 AND pod_name = ?3 AND interface = ?4 AND container_id != ?5
                      AND ((container_id = '_sticky' AND ?6) OR (pod_uid = ?7 AND pod_uid != ''))
                    ORDER BY address LIMIT 1
                    """, [.text(pool), .text(owner.podNamespace), .text(owner.podName), .text(owner.interface), .text(owner.containerID),
                          .integer(owner.pod.isEmpty ? 0 : 1), .text(owner.podUID)]).first
            }
            guard let open = available(stored) else { return occupancy }
            occupancy.free = try HeldRuns(database: database).lowestFree(pool: pool, in: open, limit: max(limit, 1))
            if occupancy.free.isEmpty {
                try database.query("SELECT \(LedgerSchema.recordColumns) FROM records WHERE pool = ?1 AND container_id = '_sticky' ORDER BY address",
                                   [.text(pool)]) { row throws(SQLiteFailure) in
                    if occupancy.parked == nil, let record = EmbeddedLedger.record(row), open.contains(record.address) { occupancy.parked = record }
                }
            }
            return occupancy
        }
    }

    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        try EmbeddedLedger.checkName(record.pool)
        return try write { database throws(SQLiteFailure) -> Bool in
            let owner = record.owner
            let added = try database.run("""
                INSERT INTO records (\(LedgerSchema.recordColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                ON CONFLICT (pool, address) DO NOTHING
                """, [.text(record.pool), .blob(AddressKey.bytes(record.address)), .text(owner.containerID), .text(owner.interface),
                      .text(owner.podNamespace), .text(owner.podName), .text(owner.podUID), .text(owner.node),
                      .integer(record.isDamaged ? 1 : 0)])
            guard added == 1 else { return false }
            try HeldRuns(database: database).insert(record.address, pool: record.pool)
            return true
        }
    }

    /// The attachment that holds `address` in `pool` now, if anyone does.
    static func holder(_ database: SQLiteConnection, _ pool: String, _ address: IPAddress) throws(SQLiteFailure) -> Attachment? {
        try database.first("SELECT container_id, interface FROM records WHERE pool = ?1 AND address = ?2",
                           [.text(pool), .blob(AddressKey.bytes(address))]) { Attachment(unchecked: $0.text(0), $0.text(1)) }
    }

    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        guard try exists() else { return false }
        return try write { database throws(SQLiteFailure) -> Bool in
            guard try EmbeddedLedger.holder(database, record.pool, record.address) == record.owner.attachment else { return false }
            try database.run("DELETE FROM records WHERE pool = ?1 AND address = ?2", [.text(record.pool), .blob(AddressKey.bytes(record.address))])
            try HeldRuns(database: database).remove(record.address, pool: record.pool)
            return true
        }
    }

    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        guard try exists() else { return false }
        return try write { database throws(SQLiteFailure) -> Bool in
            guard try EmbeddedLedger.holder(database, record.pool, record.address) == record.owner.attachment else { return false }
            try database.run("""
                UPDATE records SET container_id = ?3, interface = ?4, pod_namespace = ?5, pod_name = ?6, pod_uid = ?7, node = ?8, damaged = 0
                WHERE pool = ?1 AND address = ?2
                """, [.text(record.pool), .blob(AddressKey.bytes(record.address)), .text(owner.containerID), .text(owner.interface),
                      .text(owner.podNamespace), .text(owner.podName), .text(owner.podUID), .text(owner.node)])
            return true
        }
    }

    public func cursor(pool: String) throws(IPAMError) -> IPAddress? {
        try read(IPAddress?.none) { database throws(SQLiteFailure) in
            try database.first("SELECT cursor FROM pools WHERE name = ?1", [.text(pool)]) { $0.optionalText(0).flatMap(IPAddress.init) } ?? nil
        }
    }

    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool)
        try write { database throws(SQLiteFailure) in
            try database.run("UPDATE pools SET cursor = ?2 WHERE name = ?1", [.text(pool), .text(address.description)])
        }
    }

    /// Nothing to sweep: a transaction that was interrupted leaves nothing behind. Only a
    /// migration's leftover file (of a process killed while migrating) is removed.
    public func sweep() throws(IPAMError) {
        try StoreMigration.removeLeftovers(root: root)
    }

    public func probeWritable() throws(IPAMError) {
        try StoreProbe.probe(root: root, handle: handle)
    }

    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        if !pool.isEmpty { try EmbeddedLedger.checkName(pool) }
        return try handle.write { _ throws(IPAMError) -> T in try body() }
    }

    /// Runs a whole ADD or DEL in one write transaction (when the store exists): one queue on
    /// `store.lock`, and what it read is what it writes over.
    public func withTransaction<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        guard try exists() else { return try body() }
        return try handle.write { _ throws(IPAMError) -> T in try body() }
    }

    /// Runs `body` in one write transaction: pool changes and allocations are ordered.
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try handle.write { _ throws(IPAMError) -> T in try body() }
    }

    static func checkName(_ name: String) throws(IPAMError) {
        guard ResourceName.isDNSSubdomain(name) else { throw .invalidPoolName(name) }
    }
}
