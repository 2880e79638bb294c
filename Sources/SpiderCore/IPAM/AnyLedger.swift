/// A ledger chosen at run time (a directory or an etcd address), for code that serves either.
public struct AnyLedger: Ledger {
    public let base: any Ledger

    public init(_ base: any Ledger) { self.base = base }

    public func pools() throws(IPAMError) -> [SpiderIPPool] { try base.pools() }
    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) { try base.putPool(pool) }
    public func deletePool(named name: String) throws(IPAMError) { try base.deletePool(named: name) }
    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] { try base.reservedIPs() }
    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) { try base.putReservedIP(reserved) }
    public func deleteReservedIP(named name: String) throws(IPAMError) { try base.deleteReservedIP(named: name) }
    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] { try base.records(pool: pool) }
    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] { try base.records(of: attachment) }
    public func allRecords() throws(IPAMError) -> [AllocationRecord] { try base.allRecords() }
    public func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? { try base.poolRecords(pool) }
    public func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView {
        try base.allocationView(for: attachment)
    }
    public func pool(named name: String) throws(IPAMError) -> SpiderIPPool? { try base.pool(named: name) }
    public func record(in pool: String, at address: IPAddress) throws(IPAMError) -> AllocationRecord? {
        try base.record(in: pool, at: address)
    }
    public func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                          available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        try base.occupancy(of: pool, for: request, limit: limit, available: available)
    }
    public func unreadableDocuments() throws(IPAMError) -> [UnreadableDocument] { try base.unreadableDocuments() }
    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.reserve(record) }
    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.release(record) }
    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        try base.transfer(record, to: owner)
    }
    public func cursor(pool: String) throws(IPAMError) -> IPAddress? { try base.cursor(pool: pool) }
    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) { try base.setCursor(pool: pool, address) }
    public func sweep() throws(IPAMError) { try base.sweep() }
    public func probeWritable() throws(IPAMError) { try base.probeWritable() }
    public func hasPool(named name: String) throws(IPAMError) -> Bool { try base.hasPool(named: name) }
    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try base.withPoolLock(pool, body)
    }
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try base.withStoreLock(body) }
    public func withTransaction<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try base.withTransaction(body) }
    public var isShared: Bool { base.isShared }
    public var hasOptimisticWrites: Bool { base.hasOptimisticWrites }
    public func pause(afterAttempt attempt: Int) { base.pause(afterAttempt: attempt) }
}
