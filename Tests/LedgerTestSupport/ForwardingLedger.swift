import SpiderCore
import SpiderEmbeddedLedger

/// A test ledger built on an ``EmbeddedLedger``: a conforming type implements only the calls it
/// changes (a `reserve` that loses races, pools that vanish, a stop inside a lock), and every
/// storage call it leaves out goes to `base`.
///
/// Only the storage calls are forwarded. The calls SpiderCore gives defaults for
/// (`occupancy`, `withTransaction`, `allocationView`, `poolRecords`, `pool(named:)`,
/// `record(in:at:)`, `unreadableDocuments`) keep those defaults, computed from the storage calls,
/// unless the conforming type forwards them itself: so a changed `reserve` or `poolRecords` is
/// what the allocator sees.
public protocol ForwardingLedger: Ledger {
    var base: EmbeddedLedger { get }
}

extension ForwardingLedger {
    public func pools() throws(IPAMError) -> [SpiderIPPool] { try base.pools() }
    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) { try base.putPool(pool) }
    public func deletePool(named name: String) throws(IPAMError) { try base.deletePool(named: name) }
    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] { try base.reservedIPs() }
    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) { try base.putReservedIP(reserved) }
    public func deleteReservedIP(named name: String) throws(IPAMError) { try base.deleteReservedIP(named: name) }
    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] { try base.records(pool: pool) }
    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] { try base.records(of: attachment) }
    public func allRecords() throws(IPAMError) -> [AllocationRecord] { try base.allRecords() }
    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.reserve(record) }
    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool { try base.release(record) }
    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        try base.transfer(record, to: owner)
    }
    public func cursor(pool: String) throws(IPAMError) -> IPAddress? { try base.cursor(pool: pool) }
    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) { try base.setCursor(pool: pool, address) }
    public func sweep() throws(IPAMError) { try base.sweep() }
    public func probeWritable() throws(IPAMError) { try base.probeWritable() }
    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try base.withPoolLock(pool, body)
    }
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T { try base.withStoreLock(body) }
}
