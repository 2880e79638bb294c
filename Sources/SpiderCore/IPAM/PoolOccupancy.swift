/// What one allocation attempt needs to know of one pool, read inside the pool's lock: the
/// pool as stored now and the few records that decide, not every record of the pool.
public struct PoolOccupancy: Sendable {
    /// The pool as stored at this moment (it may have changed since the ADD read the list).
    public var pool: SpiderIPPool
    /// A record the attachment itself already holds in the pool (a concurrent ADD of the same
    /// attachment got there first).
    public var mine: AllocationRecord?
    /// A record an earlier sandbox of the same Pod NIC holds, or the Pod's parked sticky
    /// address (``AddressChooser/previousHolding(_:_:)``).
    public var previous: AllocationRecord?
    /// The lowest addresses of the available set that no record holds, lowest first.
    public var free: [IPAddress]
    /// The lowest parked record inside the available set: reused only when nothing is free.
    public var parked: AllocationRecord?

    public init(pool: SpiderIPPool, mine: AllocationRecord? = nil, previous: AllocationRecord? = nil, free: [IPAddress] = [],
                parked: AllocationRecord? = nil) {
        self.pool = pool
        self.mine = mine
        self.previous = previous
        self.free = free
        self.parked = parked
    }

    /// The occupancy computed from every record of the pool (what ledgers without an index of
    /// held addresses do).
    /// - Parameters:
    ///   - pool: the pool as stored now.
    ///   - records: every record of the pool.
    ///   - request: the allocation (its attachment and Pod find ``mine`` and ``previous``).
    ///   - available: the addresses the pool may hand out now (its effective ranges less the
    ///     reserved and unassignable ones), or `nil` when it can hand out none.
    ///   - limit: how many free addresses to return.
    public init(pool: SpiderIPPool, records: [AllocationRecord], request: AllocationRequest, available: IPRangeSet?, limit: Int) {
        self.pool = pool
        mine = records.first { $0.owner.attachment == request.attachment }
        previous = AddressChooser.previousHolding(records, request)
        (free, parked) = available.map { AddressChooser.candidates(available: $0, records: records, limit: max(limit, 1)) } ?? ([], nil)
    }
}
