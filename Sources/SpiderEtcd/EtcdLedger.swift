import SpiderCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ledger in etcd v3, shared by every node that names the same store.
///
/// Keys under the store's prefix `P`:
///
/// ```
/// P/pools/NAME                       SpiderIPPool manifest (JSON)
/// P/reserved/NAME                    SpiderReservedIP manifest (JSON)
/// P/records/POOL/IP                  one key per allocated address: its owner (JSON)
/// P/owners/CONTAINERID/IFNAME/POOL@IP   empty: what an attachment holds
/// P/cursors/POOL                     the last reserved address
/// P/locks/store                      pool management's lock (on a lease)
/// ```
///
/// There is no allocation lock. Every change is one transaction that holds only in the state
/// it read: a reservation creates the record and its owner index entry only if the address
/// key does not exist, the pool does, and the attachment holds nothing else in that pool; a
/// release or a transfer rewrites the record only if its revision is the one read (so it is
/// still the same attachment's). The record and its index entry always change together, so a
/// client killed at any instant leaves either both or neither.
public struct EtcdLedger: Ledger {
    public let client: EtcdClient
    /// What this ledger last read of each pool's records, for incremental reads.
    let views = PoolViews()
    /// How many times a release or transfer rereads a record that changed under it.
    public var maxAttempts = 8
    /// How long, in seconds, pool management's lock lives after its holder stops renewing it:
    /// a holder renews it every third of this while it works, so a holder that dies frees it
    /// after this long.
    public var storeLockTTL = 15
    /// How long `pool apply` or `pool delete` waits for another one to release the lock.
    public var storeLockWait: Duration = .seconds(60)

    public init(client: EtcdClient) { self.client = client }

    /// A ledger over a new client for `store`.
    public init(store: EtcdStore) throws(IPAMError) {
        do { client = try EtcdClient(store: store) } catch { throw EtcdLedger.ipamError(error) }
    }

    public var store: EtcdStore { client.store }
    public var isShared: Bool { true }
    public var hasOptimisticWrites: Bool { true }

    /// Sleeps a random time below 1 ms × 2^attempt, at most 32 ms, so that writers racing on
    /// several nodes fall out of step.
    /// - Parameter attempt: how many attempts lost before this pause (0 after the first).
    public func pause(afterAttempt attempt: Int) {
        RetryPause.lostRace.sleep(afterAttempt: attempt)
    }

    // MARK: Keys

    var prefix: String { store.prefix }
    func poolKey(_ name: String) -> String { "\(prefix)/pools/\(name)" }
    func reservedKey(_ name: String) -> String { "\(prefix)/reserved/\(name)" }
    func recordPrefix(_ pool: String) -> String { "\(prefix)/records/\(pool)/" }
    func recordKey(_ pool: String, _ address: IPAddress) -> String { recordPrefix(pool) + address.description }
    func ownerPrefix(_ attachment: Attachment) -> String { "\(prefix)/owners/\(attachment.containerID)/\(attachment.interface)/" }
    func ownerKey(_ owner: AllocationOwner, _ pool: String, _ address: IPAddress) -> String {
        ownerPrefix(owner.attachment) + "\(pool)@\(address)"
    }
    func cursorKey(_ pool: String) -> String { "\(prefix)/cursors/\(pool)" }
    var storeLockKey: String { "\(prefix)/locks/store" }

    // MARK: Pools and reserved IPs

    public func pools() throws(IPAMError) -> [SpiderIPPool] {
        try decodePools(try run { () throws(EtcdError) in try client.range(prefix: "\(prefix)/pools/") })
    }

    func decodePools(_ values: [EtcdKeyValue]) throws(IPAMError) -> [SpiderIPPool] {
        try EtcdLedger.decode(values, "pool") { (document) throws(ManifestError) in try SpiderIPPool(document: document) }
    }

    /// Manifests stored as JSON; one that cannot be read fails the call, naming its key.
    static func decode<T>(_ values: [EtcdKeyValue], _ what: String,
                          _ make: (ManifestValue) throws(ManifestError) -> T) throws(IPAMError) -> [T] {
        try values.map { kv throws(IPAMError) in
            do {
                guard let document = try ManifestValue.documents(json: kv.value).first else { throw ManifestError.malformed("empty") }
                return try make(document)
            } catch {
                throw .store("\(what) \(kv.key) in etcd is unreadable: \(error)")
            }
        }
    }

    public func hasPool(named name: String) throws(IPAMError) -> Bool {
        try EtcdLedger.checkName(name)
        return try run { () throws(EtcdError) in try client.get(poolKey(name)) } != nil
    }

    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) {
        try EtcdLedger.checkName(pool.name)
        try writeUnderStoreLock([.put(key: poolKey(pool.name), value: pool.manifest.json())], "pool \(pool.name)")
    }

    /// Deletes the pool first (so that no reservation can succeed in it any more), then its
    /// records with their index entries, in transactions below etcd's operation limit.
    public func deletePool(named name: String) throws(IPAMError) {
        try EtcdLedger.checkName(name)
        try writeUnderStoreLock([.delete(key: poolKey(name)), .delete(key: cursorKey(name))], "the deletion of pool \(name)")
        for _ in 0..<1_000 {
            let held = try versionedRecords(pool: name)
            if held.isEmpty { return }
            for chunk in stride(from: 0, to: held.count, by: 50).map({ held[$0..<min($0 + 50, held.count)] }) {
                let compares = chunk.map { EtcdCompare.unchanged(recordKey(name, $0.record.address), since: $0.revision) }
                let deletes = chunk.flatMap { item -> [EtcdOperation] in
                    [.delete(key: recordKey(name, item.record.address)), .delete(key: ownerKey(item.record.owner, name, item.record.address))]
                }
                _ = try run { () throws(EtcdError) in try client.txn(compares, success: deletes) }
            }
        }
        throw .storeUnavailable("records of pool \(name) kept changing while it was deleted")
    }

    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] {
        try decodeReserved(try run { () throws(EtcdError) in try client.range(prefix: "\(prefix)/reserved/") })
    }

    func decodeReserved(_ values: [EtcdKeyValue]) throws(IPAMError) -> [SpiderReservedIP] {
        try EtcdLedger.decode(values, "reserved IP") { (document) throws(ManifestError) in try SpiderReservedIP(document: document) }
    }

    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) {
        try EtcdLedger.checkName(reserved.name)
        try writeUnderStoreLock([.put(key: reservedKey(reserved.name), value: reserved.manifest.json())],
                                "reserved IP \(reserved.name)")
    }

    public func deleteReservedIP(named name: String) throws(IPAMError) {
        try EtcdLedger.checkName(name)
        try writeUnderStoreLock([.delete(key: reservedKey(name))], "the deletion of reserved IP \(name)")
    }

    // MARK: Records

    /// A record with the revision it was read at.
    struct Versioned {
        var record: AllocationRecord
        var revision: Int64
    }

    func decode(_ kv: EtcdKeyValue, pool: String) -> Versioned? {
        let keyPrefix = recordPrefix(pool)
        guard kv.key.hasPrefix(keyPrefix), let address = IPAddress(String(kv.key.dropFirst(keyPrefix.count))) else { return nil }
        let owner = AllocationRecord.owner(ledgerText: kv.value)
        return Versioned(record: AllocationRecord(pool: pool, address: address, owner: owner), revision: kv.modRevision)
    }

    func versionedRecords(pool: String) throws(IPAMError) -> [Versioned] {
        try EtcdLedger.checkName(pool)
        let values = try run { () throws(EtcdError) in try client.range(prefix: recordPrefix(pool)) }
        return values.compactMap { decode($0, pool: pool) }.sorted { $0.record.address < $1.record.address }
    }

    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] {
        try versionedRecords(pool: pool).map(\.record)
    }

    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] {
        try records(of: attachment, entries: try run { () throws(EtcdError) in try client.range(prefix: ownerPrefix(attachment), keysOnly: true) })
    }

    /// One read for all an ADD starts from; the held records need a second only when there
    /// are some (a repeated ADD).
    public func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView {
        let answer = try run { () throws(EtcdError) in
            try client.txn([], success: [.range(prefix: "\(prefix)/pools/"), .range(prefix: "\(prefix)/reserved/"),
                                         .range(prefix: ownerPrefix(attachment), keysOnly: true)])
        }
        let responses = answer.responses + Array(repeating: EtcdOperationResult.put, count: max(0, 3 - answer.responses.count))
        return AllocationView(pools: try decodePools(responses[0].keyValues), reserved: try decodeReserved(responses[1].keyValues),
                              held: try records(of: attachment, entries: responses[2].keyValues))
    }

    /// A pool's records from the ledger's view of it: after the first full read, only the keys
    /// changed since (`min_mod_revision`) and the key count are read, in the same transaction
    /// as the pool's own key. The view is exact: any key deleted since makes the merged view
    /// larger than the count, and then the pool is read whole again.
    public func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? {
        try snapshot(pool)?.records
    }

    /// The pool's document and its records, read in one transaction; `nil` when the pool is
    /// not stored.
    func snapshot(_ pool: String) throws(IPAMError) -> (document: EtcdKeyValue, records: [AllocationRecord])? {
        try EtcdLedger.checkName(pool)
        let keyPrefix = recordPrefix(pool)
        let cached = views.withLock { $0[pool] }
        var operations: [EtcdOperation] = [.get(poolKey(pool))]
        if let cached {
            operations += [.read(.prefix(keyPrefix, minModRevision: cached.revision + 1)), .read(.prefix(keyPrefix, countOnly: true))]
        } else {
            operations.append(.range(prefix: keyPrefix))
        }
        let answer = try run { () throws(EtcdError) in try client.txn([], success: operations) }
        guard answer.responses.count == operations.count, let document = answer.responses[0].keyValues.first else {
            views.withLock { $0[pool] = nil }
            return nil
        }
        var records = cached?.records ?? [:]
        for kv in answer.responses[1].keyValues {
            if let versioned = decode(kv, pool: pool) { records[kv.key] = versioned.record }
        }
        if cached != nil && Int64(records.count) != answer.responses[2].count {
            views.withLock { $0[pool] = nil }
            return try snapshot(pool)
        }
        views.withLock { $0[pool] = PoolView(revision: answer.revision, records: records) }
        return (document, records.values.sorted { $0.address < $1.address })
    }

    /// One read for the pool as stored now and its records (the same transaction as before the
    /// pool was read again under the lock).
    public func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                          available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        guard let (document, records) = try snapshot(pool), let stored = try decodePools([document]).first else { return nil }
        return PoolOccupancy(pool: stored, records: records, request: request, available: available(stored), limit: limit)
    }

    func records(of attachment: Attachment, entries: [EtcdKeyValue]) throws(IPAMError) -> [AllocationRecord] {
        let held = entries.compactMap { entry -> (pool: String, address: IPAddress)? in
            let name = entry.key.dropFirst(ownerPrefix(attachment).count)
            guard let at = name.lastIndex(of: "@"), let address = IPAddress(String(name[name.index(after: at)...])) else { return nil }
            return (String(name[..<at]), address)
        }
        guard !held.isEmpty else { return [] }
        // One read-only transaction: every record at the same revision.
        let answer = try run { () throws(EtcdError) in
            try client.txn([], success: held.map { .get(recordKey($0.pool, $0.address)) })
        }
        var result: [AllocationRecord] = []
        for (item, response) in zip(held, answer.responses) {
            guard let kv = response.keyValues.first, let versioned = decode(kv, pool: item.pool),
                  versioned.record.owner.attachment == attachment else { continue }
            result.append(versioned.record)
        }
        return result.sorted { ($0.address.family, $0.pool, $0.address) < ($1.address.family, $1.pool, $1.address) }
    }

    public func allRecords() throws(IPAMError) -> [AllocationRecord] {
        try run { () throws(EtcdError) in try client.range(prefix: "\(prefix)/records/") }.compactMap { decodeRecord($0)?.record }
    }

    /// A record of any pool (the pool is in its key).
    func decodeRecord(_ kv: EtcdKeyValue) -> Versioned? {
        let path = kv.key.dropFirst("\(prefix)/records/".count)
        guard let slash = path.firstIndex(of: "/") else { return nil }
        return decode(kv, pool: String(path[..<slash]))
    }

    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        try EtcdLedger.checkName(record.pool)
        var compares: [EtcdCompare] = [.absent(recordKey(record.pool, record.address)), .present(poolKey(record.pool))]
        if !record.owner.isParked {
            // One address per attachment and pool, even when two ADDs of it race on two nodes.
            compares.append(.noKey(withPrefix: ownerPrefix(record.owner.attachment) + record.pool + "@"))
        }
        let success: [EtcdOperation] = [
            .put(key: recordKey(record.pool, record.address), value: record.ledgerText),
            .put(key: ownerKey(record.owner, record.pool, record.address), value: ""),
        ]
        return try run { () throws(EtcdError) in try client.txn(compares, success: success) }.succeeded
    }

    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        try EtcdLedger.checkName(record.pool)
        let key = recordKey(record.pool, record.address)
        for _ in 0..<maxAttempts {
            guard let kv = try run({ () throws(EtcdError) in try client.get(key) }), let current = decode(kv, pool: record.pool),
                  current.record.owner.attachment == record.owner.attachment else { return false }
            let operations: [EtcdOperation] = [.delete(key: key), .delete(key: ownerKey(current.record.owner, record.pool, record.address))]
            if try run({ () throws(EtcdError) in try client.txn([.unchanged(key, since: kv.modRevision)], success: operations) }).succeeded {
                return true
            }
        }
        throw .storeUnavailable("the record of \(record.address) in pool \(record.pool) kept changing; try again")
    }

    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        try EtcdLedger.checkName(record.pool)
        let key = recordKey(record.pool, record.address)
        let moved = AllocationRecord(pool: record.pool, address: record.address, owner: owner)
        for _ in 0..<maxAttempts {
            guard let kv = try run({ () throws(EtcdError) in try client.get(key) }), let current = decode(kv, pool: record.pool),
                  current.record.owner.attachment == record.owner.attachment else { return false }
            let oldIndex = ownerKey(current.record.owner, record.pool, record.address)
            let newIndex = ownerKey(owner, record.pool, record.address)
            var compares: [EtcdCompare] = [.unchanged(key, since: kv.modRevision)]
            var operations: [EtcdOperation] = [.put(key: key, value: moved.ledgerText), .put(key: newIndex, value: "")]
            if oldIndex != newIndex {
                operations.append(.delete(key: oldIndex))
                if !owner.isParked { compares.append(.noKey(withPrefix: ownerPrefix(owner.attachment) + record.pool + "@")) }
            }
            let answer = try run { () throws(EtcdError) in try client.txn(compares, success: operations, failure: [.get(key)]) }
            if answer.succeeded { return true }
            // Only a change of the record itself is worth another look.
            if answer.responses.first?.keyValues.first?.modRevision == kv.modRevision { return false }
        }
        throw .storeUnavailable("the record of \(record.address) in pool \(record.pool) kept changing; try again")
    }

    public func cursor(pool: String) throws(IPAMError) -> IPAddress? {
        try EtcdLedger.checkName(pool)
        return try run { () throws(EtcdError) in try client.get(cursorKey(pool)) }.flatMap { IPAddress($0.value) }
    }

    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) {
        try EtcdLedger.checkName(pool)
        try run { () throws(EtcdError) in try client.put(cursorKey(pool), address.description) }
    }

    // MARK: Consistency

    /// What does not fit the ledger's invariants: index entries without their record, records
    /// without their index entry, keys that do not parse. Empty when the ledger is sound.
    public func audit() throws(IPAMError) -> [String] {
        let (versioned, entries) = try snapshot()
        let records = versioned.mapValues(\.record)
        var problems: [String] = []
        var indexed = Set<String>()
        for entry in entries {
            guard let target = indexTarget(entry) else {
                problems.append("owner index key \(entry) does not parse")
                continue
            }
            indexed.insert(entry)
            guard let record = records[target.recordKey] else {
                problems.append("owner index \(entry) names \(target.recordKey), which does not exist")
                continue
            }
            if !EtcdLedger.holds(record, target) {
                problems.append("owner index \(entry) names \(target.recordKey), which belongs to \(record.owner.attachment)")
            }
        }
        for (key, record) in records.sorted(by: { $0.key < $1.key }) where !indexed.contains(ownerKey(record.owner, record.pool, record.address)) {
            problems.append("record \(key) of \(record.owner.attachment) has no owner index entry")
        }
        return problems
    }

    /// Repairs what ``audit()`` finds, each repair conditional on the record not changing
    /// meanwhile: index entries without their record are deleted, missing ones added.
    public func sweep() throws(IPAMError) {
        let (records, entries) = try snapshot()  // with revisions: each repair only if unchanged since
        for entry in entries {
            guard let target = indexTarget(entry) else { continue }
            if let record = records[target.recordKey], EtcdLedger.holds(record.record, target) { continue }
            let condition: EtcdCompare = records[target.recordKey].map { .unchanged(target.recordKey, since: $0.revision) }
                ?? .absent(target.recordKey)
            _ = try run { () throws(EtcdError) in try client.txn([condition], success: [.delete(key: entry)]) }
        }
        let indexed = Set(entries)
        for (key, item) in records where !indexed.contains(ownerKey(item.record.owner, item.record.pool, item.record.address)) {
            let record = item.record
            _ = try run { () throws(EtcdError) in
                try client.txn([.unchanged(key, since: item.revision)],
                               success: [.put(key: ownerKey(record.owner, record.pool, record.address), value: "")])
            }
        }
    }

    func snapshot() throws(IPAMError) -> (records: [String: Versioned], entries: [String]) {
        // One read-only transaction, so that records and index are seen at one revision.
        let answer = try run { () throws(EtcdError) in
            try client.txn([], success: [.range(prefix: "\(prefix)/records/"), .range(prefix: "\(prefix)/owners/", keysOnly: true)])
        }
        var records: [String: Versioned] = [:]
        for kv in answer.responses.first?.keyValues ?? [] {
            if let versioned = decodeRecord(kv) { records[kv.key] = versioned }
        }
        let entries = answer.responses.dropFirst().first?.keyValues.map(\.key) ?? []
        return (records, entries)
    }

    /// The holder and the record key an owner index entry names.
    func indexTarget(_ entry: String) -> (containerID: String, interface: String, recordKey: String)? {
        let parts = entry.dropFirst("\(prefix)/owners/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let at = parts[2].lastIndex(of: "@"),
              let address = IPAddress(String(parts[2][parts[2].index(after: at)...])) else { return nil }
        return (String(parts[0]), String(parts[1]), recordKey(String(parts[2][..<at]), address))
    }

    static func holds(_ record: AllocationRecord, _ target: (containerID: String, interface: String, recordKey: String)) -> Bool {
        record.owner.containerID == target.containerID && record.owner.interface == target.interface
    }

    // MARK: Locks

    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try body()  // every write is a compare-and-swap transaction
    }

    /// Pool management's lock: a key on a lease, so a holder that dies frees it after
    /// ``storeLockTTL`` seconds. Allocation never takes it.
    ///
    /// While `body` runs, the lease is renewed every third of its TTL, and the pool and
    /// reserved-IP writes of `body` are conditional on the lock key still being the one this
    /// call created: a holder that lost the lock (its lease ran out while etcd was out of
    /// reach, or the key was removed) writes nothing and fails with code 11. A waiter keeps
    /// its own lease alive while it waits, takes a new one if it was lost, and gives up after
    /// ``storeLockWait``.
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        let hold = try acquireStoreLock()
        defer {
            hold.keeper.stop()
            try? client.revokeLease(hold.keeper.lease)
        }
        let result = EtcdLedger.$heldStoreLock.withValue(hold) { Result { () throws(IPAMError) -> T in try body() } }
        return try result.get()
    }

    /// The store lock held by the running `withStoreLock` body, if any.
    @TaskLocal static var heldStoreLock: StoreLockHold?

    /// A held store lock: the lease kept alive and the revision that created the lock key
    /// (the lock is still this holder's while the key has that create revision).
    struct StoreLockHold: Sendable {
        var store: EtcdStore
        var key: String
        var revision: Int64
        var keeper: LeaseKeeper
    }

    func acquireStoreLock() throws(IPAMError) -> StoreLockHold {
        let deadline = ContinuousClock.now + storeLockWait
        let holderName = "\(EtcdLedger.hostName) pid \(getpid())"
        var attempt = 0
        var holder = "?"
        while true {
            let lease = try run { () throws(EtcdError) in try client.grantLease(ttl: storeLockTTL) }
            let keeper = LeaseKeeper(client: client, lease: lease, ttl: storeLockTTL)
            var leaseLost = false
            while !leaseLost {
                do throws(EtcdError) {
                    let answer = try client.txn([.absent(storeLockKey)],
                                                success: [.put(key: storeLockKey, value: holderName, lease: lease)],
                                                failure: [.get(storeLockKey)])
                    if answer.succeeded {
                        return StoreLockHold(store: store, key: storeLockKey, revision: answer.revision, keeper: keeper)
                    }
                    holder = answer.responses.first?.keyValues.first?.value ?? holder
                } catch .rejected(_, 404, _) {
                    // The waiter's own lease ran out (etcd out of reach for longer than its
                    // TTL): take a new one.
                    leaseLost = true
                } catch {
                    keeper.stop()
                    try? client.revokeLease(lease)
                    throw EtcdLedger.ipamError(error)
                }
                guard ContinuousClock.now < deadline else {
                    keeper.stop()
                    try? client.revokeLease(lease)
                    throw .storeUnavailable("another spiderctl (\(holder)) has held the pool store lock \(storeLockKey) for more "
                        + "than \(EtcdClient.seconds(storeLockWait)) of waiting; try again when it is done")
                }
                leaseLost = leaseLost || keeper.isLost
                if !leaseLost {
                    // Jittered, growing pauses: 1 ms at first, at most 250 ms.
                    RetryPause.lockWait.sleep(afterAttempt: attempt)
                    attempt += 1
                }
            }
            keeper.stop()
        }
    }

    /// This machine's name (`gethostname`, no name service lookup), to say who holds the lock.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes for pool management: inside ``withStoreLock(_:)`` only while the lock is still
    /// this holder's (else nothing is written and the call fails with code 11), outside it
    /// unconditionally.
    func writeUnderStoreLock(_ operations: [EtcdOperation], _ what: String) throws(IPAMError) {
        guard let hold = EtcdLedger.heldStoreLock, hold.store == store, hold.key == storeLockKey else {
            try run { () throws(EtcdError) in _ = try client.txn([], success: operations) }
            return
        }
        let lost = IPAMError.storeUnavailable(
            "the pool store lock \(storeLockKey) was lost before \(what) was written (its \(storeLockTTL) s lease ran out or the "
                + "key was removed), so another writer may have changed the pools since they were checked; \(what) was not "
                + "written; run the command again")
        if hold.keeper.isLost { throw lost }
        let answer = try run { () throws(EtcdError) in
            try client.txn([EtcdCompare(key: hold.key, .equal, .createRevision(hold.revision))], success: operations)
        }
        guard answer.succeeded else { throw lost }
    }

    // MARK: Views

    /// The records of a pool as of a store revision.
    struct PoolView: Sendable {
        var revision: Int64
        var records: [String: AllocationRecord]
    }

    final class PoolViews: Sendable {
        let views = Mutex<[String: PoolView]>([:])
        func withLock<T>(_ body: (inout [String: PoolView]) -> T) -> T { views.withLock { body(&$0) } }
    }

    // MARK: Errors

    static func checkName(_ name: String) throws(IPAMError) {
        guard ResourceName.isDNSSubdomain(name) else { throw .invalidPoolName(name) }
    }

    func run<T>(_ body: () throws(EtcdError) -> T) throws(IPAMError) -> T {
        do { return try body() } catch { throw EtcdLedger.ipamError(error) }
    }

    /// Transient etcd failures are "try again later" (CNI code 11); a bad store setting is a
    /// configuration error (7); anything else a store error (104).
    public static func ipamError(_ error: EtcdError) -> IPAMError {
        switch error {
        case .invalidStore: .invalidStore(error.description)
        case _ where error.isTransient: .storeUnavailable(error.description)
        default: .store(error.description)
        }
    }
}
