/// The store the allocator sees: pools, reserved IPs and allocation records.
///
/// Every change is one atomic step that succeeds only in the state it expects:
/// ``reserve(_:)`` only if the address is free, ``release(_:)`` only if the record still belongs
/// to the same attachment. Two ledgers implement it: `EmbeddedLedger` (SpiderEmbeddedLedger) on local disk and an
/// etcd ledger for pools shared by many nodes.
public protocol Ledger: Sendable {
    /// All pools.
    func pools() throws(IPAMError) -> [SpiderIPPool]
    /// Stores (creates or replaces) a pool.
    func putPool(_ pool: SpiderIPPool) throws(IPAMError)
    /// Deletes a pool and, with it, its allocation records.
    func deletePool(named name: String) throws(IPAMError)
    /// All reserved-IP sets.
    func reservedIPs() throws(IPAMError) -> [SpiderReservedIP]
    func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError)
    func deleteReservedIP(named name: String) throws(IPAMError)

    /// The records of one pool.
    func records(pool: String) throws(IPAMError) -> [AllocationRecord]
    /// The records of one pool, or `nil` when no such pool is stored; one read where the
    /// ledger can (allocation calls it on every attempt).
    func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]?
    /// What an ADD reads first: every pool, every reserved-IP set and what the attachment
    /// already holds; one read where the ledger can.
    func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView
    /// One pool as stored now, or `nil` when there is none of that name.
    func pool(named name: String) throws(IPAMError) -> SpiderIPPool?
    /// The record of `address` in `pool`, if it is held.
    func record(in pool: String, at address: IPAddress) throws(IPAMError) -> AllocationRecord?
    /// What one allocation attempt needs of `pool`, or `nil` when no such pool is stored.
    /// Called inside ``withPoolLock(_:_:)``. A ledger with an index of held addresses answers
    /// without reading every record, so an ADD costs the same at any occupancy.
    /// - Parameters:
    ///   - pool: the pool's name.
    ///   - request: the allocation (its attachment and Pod find ``PoolOccupancy/mine`` and
    ///     ``PoolOccupancy/previous``).
    ///   - limit: how many of the lowest free addresses to return.
    ///   - available: the addresses the pool as stored now may hand out, or `nil` for none.
    func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                   available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy?
    /// Stored documents that cannot be read, left out of ``pools()`` and ``reservedIPs()``.
    func unreadableDocuments() throws(IPAMError) -> [UnreadableDocument]
    /// The records an attachment holds, in every pool.
    func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord]
    /// Every record of every pool.
    func allRecords() throws(IPAMError) -> [AllocationRecord]
    /// Takes `record.address` in `record.pool` for `record.owner` if nobody holds it;
    /// `false` when it is taken.
    func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool
    /// Gives the address back if `record.owner`'s attachment still holds it; `false` otherwise.
    func release(_ record: AllocationRecord) throws(IPAMError) -> Bool
    /// Hands a held address to a new owner if the old owner's attachment still holds it.
    func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool

    /// The last address reserved in a pool (for round-robin allocation), if any.
    func cursor(pool: String) throws(IPAMError) -> IPAddress?
    func setCursor(pool: String, _ address: IPAddress) throws(IPAMError)

    /// Cleans up what interrupted writers left and nothing reads (called by GC).
    func sweep() throws(IPAMError)

    /// Whether a pool of that name is stored.
    func hasPool(named name: String) throws(IPAMError) -> Bool

    /// Runs `body` while no other allocator of this ledger changes `pool` (a no-op for ledgers
    /// whose writes are compare-and-swap transactions).
    func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T

    /// Runs a whole ADD or DEL (its reads and its writes) as one unit where the ledger can: the
    /// embedded ledger makes it one local transaction, so its processes queue once and never
    /// see each other half-way. Ledgers whose writes are compare-and-swap transactions run
    /// `body` as it is (the default). Never creates a store that does not exist.
    func withTransaction<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T

    /// Runs `body` while no other writer changes the set of pools and reserved IPs (pool
    /// management's validate-then-store); never taken by allocation.
    func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T

    /// Fails when the store cannot take a write now (a read-only file system, no space): what
    /// CNI STATUS reports. Writes nothing that stays.
    func probeWritable() throws(IPAMError)

    /// Whether several nodes share this ledger: GC then touches only the records of its own
    /// node.
    var isShared: Bool { get }

    /// Whether a lost compare-and-swap race is possible (allocation then backs off with
    /// jitter and spreads its next choice).
    var hasOptimisticWrites: Bool { get }

    /// Waits before the next attempt after a lost compare-and-swap race: a ledger with
    /// optimistic writes sleeps a random time that grows with `attempt` (at most 32 ms), so
    /// that racing writers on several nodes fall out of step. The default waits not at all.
    /// - Parameter attempt: how many attempts were lost so far (0 for the first).
    func pause(afterAttempt attempt: Int)
}

/// The pools, reserved IPs and held records an ADD starts from.
public struct AllocationView: Sendable {
    public var pools: [SpiderIPPool]
    public var reserved: [SpiderReservedIP]
    public var held: [AllocationRecord]
    /// Pools whose stored document cannot be read (an ADD that names one fails naming it).
    public var unreadablePools: [UnreadableDocument]

    public init(pools: [SpiderIPPool], reserved: [SpiderReservedIP], held: [AllocationRecord], unreadablePools: [UnreadableDocument] = []) {
        self.pools = pools
        self.reserved = reserved
        self.held = held
        self.unreadablePools = unreadablePools
    }
}

extension Ledger {
    public func sweep() throws(IPAMError) {}

    public func probeWritable() throws(IPAMError) {}

    public func poolRecords(_ pool: String) throws(IPAMError) -> [AllocationRecord]? {
        try hasPool(named: pool) ? try records(pool: pool) : nil
    }

    public func allocationView(for attachment: Attachment) throws(IPAMError) -> AllocationView {
        AllocationView(pools: try pools(), reserved: try reservedIPs(), held: try records(of: attachment))
    }

    public func pool(named name: String) throws(IPAMError) -> SpiderIPPool? {
        try pools().first { $0.name == name }
    }

    public func record(in pool: String, at address: IPAddress) throws(IPAMError) -> AllocationRecord? {
        try records(pool: pool).first { $0.address == address }
    }

    public func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                          available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        guard let records = try poolRecords(pool), let stored = try self.pool(named: pool) else { return nil }
        return PoolOccupancy(pool: stored, records: records, request: request, available: available(stored), limit: limit)
    }

    public func unreadableDocuments() throws(IPAMError) -> [UnreadableDocument] { [] }

    public func hasPool(named name: String) throws(IPAMError) -> Bool {
        try pools().contains { $0.name == name }
    }

    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try body() }

    public func withTransaction<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try body() }

    public var isShared: Bool { false }

    public var hasOptimisticWrites: Bool { false }

    public func pause(afterAttempt attempt: Int) {}
}
