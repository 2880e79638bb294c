import SpiderCore
import Synchronization

/// An ``EtcdLedger`` that reads what an ADD starts from in an ``EtcdStoreView`` instead of
/// etcd, so that a whole ADD costs one transaction: the reservation.
///
/// The view only proposes; the reservation's compares decide. Besides the plain ledger's
/// (the address free, the attachment holding nothing in the pool) they require the pool's
/// document to be the revision the view showed and no reserved-IP set to have changed since
/// the view's revision. A reservation that fails for any reason makes the rest of the call
/// read etcd directly, exactly as the plain ledger does. Use one value per CNI call: it
/// remembers which pool revisions the call saw. Everything but ADD's reads and reservation
/// goes to the plain ledger.
public struct ViewedEtcdLedger: Ledger {
    public let view: EtcdStoreView
    let call = CallState()

    /// What one call saw in the view.
    final class CallState: Sendable {
        struct Seen: Sendable {
            var direct = false
            var poolRevisions: [String: Int64] = [:]
            var viewRevision: Int64 = 0
        }
        let seen = Mutex(Seen())
    }

    /// A ledger for one call over `view`.
    public init(view: EtcdStoreView) { self.view = view }

    var base: EtcdLedger { view.ledger }

    /// Whether this call reads etcd directly (the view is not live, or a reservation failed).
    public var readsDirectly: Bool { call.seen.withLock { $0.direct } || !view.isLive }

    func goDirect() { call.seen.withLock { $0.direct = true } }

    // MARK: ADD's reads, from the view

    public func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView {
        guard !call.seen.withLock({ $0.direct }), let documents = view.allocationDocuments(for: attachment) else {
            return try base.allocationView(for: attachment)
        }
        var pools: [SpiderIPPool] = []
        for kv in documents.pools {
            if let cached = documents.cached[String(kv.key.dropFirst("\(base.prefix)/pools/".count))], cached.revision == kv.modRevision {
                pools.append(cached.pool)
                continue
            }
            guard let pool = try base.decodePools([kv]).first else { continue }
            view.remember(pool, revision: kv.modRevision)
            pools.append(pool)
        }
        call.seen.withLock { $0.viewRevision = documents.revision }
        return AllocationView(pools: pools, reserved: try base.decodeReserved(documents.reserved), held: documents.held)
    }

    public func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                          available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        guard !call.seen.withLock({ $0.direct }), let found = view.occupancySnapshot(of: pool, for: request) else {
            return try base.occupancy(of: pool, for: request, limit: limit, available: available)
        }
        guard let snapshot = found else { return nil }
        let stored: SpiderIPPool
        if let parsed = snapshot.parsed {
            stored = parsed
        } else {
            guard let decoded = try base.decodePools([snapshot.document]).first else { return nil }
            view.remember(decoded, revision: snapshot.document.modRevision)
            stored = decoded
        }
        call.seen.withLock { $0.poolRevisions[pool] = snapshot.document.modRevision }
        // The same choice as AddressChooser.candidates, from the copy's sets.
        var free: [IPAddress] = []
        var parked: AllocationRecord?
        if let allowed = available(stored) {
            let open = allowed.subtracting(snapshot.held)
            let lowestParked = open.intersection(snapshot.parked).first
            free = open.lowestAddresses(notIn: snapshot.parked, limit: max(limit, 1))
            parked = lowestParked.flatMap { address in snapshot.parkedRecords.first { $0.address == address } }
        }
        return PoolOccupancy(pool: stored, mine: snapshot.mine, previous: snapshot.previous, free: free, parked: parked)
    }

    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        let seen = call.seen.withLock { $0 }
        guard !seen.direct, let poolRevision = seen.poolRevisions[record.pool] else { return try base.reserve(record) }
        try EtcdLedger.checkName(record.pool)
        let key = base.recordKey(record.pool, record.address)
        // Another call of this process is reserving the address: pick again from the view.
        guard view.claim(record, key: key) else { return false }
        let reservedPrefix = "\(base.prefix)/reserved/"
        var compares: [EtcdCompare] = [
            .absent(key),
            .unchanged(base.poolKey(record.pool), since: poolRevision),
            EtcdCompare(key: reservedPrefix, rangeEnd: EtcdKeys.rangeEnd(ofPrefix: reservedPrefix), .less, .modRevision(seen.viewRevision + 1)),
        ]
        if !record.owner.isParked {
            compares.append(.noKey(withPrefix: base.ownerPrefix(record.owner.attachment) + record.pool + "@"))
        }
        let success: [EtcdOperation] = [
            .put(key: key, value: record.ledgerText),
            .put(key: base.ownerKey(record.owner, record.pool, record.address), value: ""),
        ]
        let answer: EtcdTxnResult
        do {
            answer = try base.run { () throws(EtcdError) in try base.client.txn(compares, success: success) }
        } catch {
            view.settle(key: key, revision: nil)
            throw error
        }
        guard answer.succeeded else {
            // The view was behind: the rest of this call reads etcd itself.
            view.settle(key: key, revision: nil)
            goDirect()
            return false
        }
        view.settle(key: key, revision: answer.revision)
        return true
    }

    // MARK: The rest, from etcd

    public func pools() throws(IPAMError) -> [SpiderIPPool] { try base.pools() }
    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) { try base.putPool(pool) }
    public func deletePool(named name: String) throws(IPAMError) { try base.deletePool(named: name) }
    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] { try base.reservedIPs() }
    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) { try base.putReservedIP(reserved) }
    public func deleteReservedIP(named name: String) throws(IPAMError) { try base.deleteReservedIP(named: name) }
    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] { try base.records(pool: pool) }
    public func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? { try base.poolRecords(pool) }
    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] { try base.records(of: attachment) }
    public func allRecords() throws(IPAMError) -> [AllocationRecord] { try base.allRecords() }
    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.release(record) }
    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        try base.transfer(record, to: owner)
    }
    public func cursor(pool: String) throws(IPAMError) -> IPAddress? { try base.cursor(pool: pool) }
    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) { try base.setCursor(pool: pool, address) }
    public func sweep() throws(IPAMError) { try base.sweep() }
    public func hasPool(named name: String) throws(IPAMError) -> Bool { try base.hasPool(named: name) }
    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try base.withPoolLock(pool, body)
    }
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try base.withStoreLock(body) }
    public var isShared: Bool { true }
    public var hasOptimisticWrites: Bool { true }
    public func pause(afterAttempt attempt: Int) { base.pause(afterAttempt: attempt) }
}
