import Foundation
import SpiderCore
import Synchronization

/// A live copy of one etcd store's pools, reserved IPs and allocation records, read once and
/// then kept current by an etcd watch: what the node agent allocates from, so that an ADD costs
/// one transaction (``ViewedEtcdLedger``).
///
/// The copy is never trusted to hand out an address: every reservation made from it is a
/// transaction whose compares hold only in the state the copy showed (the address free, the
/// pool unchanged, no reserved-IP set changed since, the attachment holding nothing in the
/// pool). A lost watch is re-established from a fresh read; until then (``isLive`` false)
/// allocations read etcd directly, as without the view.
///
/// Addresses this process is reserving, or reserved but has not yet seen come back through the
/// watch, are kept as claims and count as held, so concurrent allocations of one agent do not
/// pick the same address.
public final class EtcdStoreView: Sendable {
    /// The ledger the view copies, and every write goes through.
    public let ledger: EtcdLedger
    let watch: GatewayWatch
    let state = Mutex(State())
    /// Called with a line when the watch is lost or re-established.
    let log: @Sendable (String) -> Void

    struct RecordID: Hashable, Sendable {
        var pool: String
        var address: IPAddress
    }

    struct Claim: Sendable {
        var record: AllocationRecord
        /// The revision that wrote it; `nil` while its transaction is in flight.
        var revision: Int64?
    }

    /// One pool's records, with the sets allocation needs kept current.
    struct PoolRecords: Sendable {
        var records: [IPAddress: AllocationRecord] = [:]
        /// Addresses held by a live attachment.
        var held = IPRangeSet()
        /// Addresses parked for a sticky Pod.
        var parked = IPRangeSet()

        mutating func rebuildSets() {
            held = IPRangeSet(addresses: records.values.filter { !$0.owner.isParked }.map(\.address))
            parked = IPRangeSet(addresses: records.values.filter(\.owner.isParked).map(\.address))
        }
    }

    struct State: Sendable {
        var live = false
        var revision: Int64 = 0
        var pools: [String: EtcdKeyValue] = [:]
        var parsedPools: [String: (revision: Int64, pool: SpiderIPPool)] = [:]
        var reserved: [String: EtcdKeyValue] = [:]
        var records: [String: PoolRecords] = [:]
        /// What each attachment holds.
        var holders: [Attachment: [RecordID]] = [:]
        /// What each Pod (`namespace/name`) holds, for an earlier sandbox's or a parked address.
        var byPod: [String: [RecordID]] = [:]
        var claims: [String: Claim] = [:]
        var resyncs = 0
        var lastFailure: String?

        mutating func removeRecord(_ id: RecordID, updateSets: Bool = true) {
            guard let old = records[id.pool]?.records.removeValue(forKey: id.address) else { return }
            if updateSets, var pool = records[id.pool] {
                let single = IPRangeSet(addresses: [id.address])
                if old.owner.isParked { pool.parked = pool.parked.subtracting(single) } else { pool.held = pool.held.subtracting(single) }
                records[id.pool] = pool
            }
            holders[old.owner.attachment]?.removeAll { $0 == id }
            if holders[old.owner.attachment]?.isEmpty == true { holders[old.owner.attachment] = nil }
            let pod = old.owner.pod
            if !pod.isEmpty {
                byPod[pod]?.removeAll { $0 == id }
                if byPod[pod]?.isEmpty == true { byPod[pod] = nil }
            }
            if records[id.pool]?.records.isEmpty == true { records[id.pool] = nil }
        }

        /// Stores a record; `updateSets: false` while loading (the sets are built once after).
        mutating func putRecord(_ record: AllocationRecord, updateSets: Bool = true) {
            let id = RecordID(pool: record.pool, address: record.address)
            removeRecord(id, updateSets: updateSets)
            var pool = records.removeValue(forKey: record.pool) ?? PoolRecords()
            pool.records[record.address] = record
            if updateSets {
                let single = IPRangeSet(addresses: [record.address])
                if record.owner.isParked { pool.parked = pool.parked.union(single) } else { pool.held = pool.held.union(single) }
            }
            records[record.pool] = pool
            holders[record.owner.attachment, default: []].append(id)
            let pod = record.owner.pod
            if !pod.isEmpty { byPod[pod, default: []].append(id) }
        }
    }

    /// A view of `ledger`'s store; nothing is read until ``run()``.
    /// - Parameters:
    ///   - ledger: the store.
    ///   - log: receives a line when the watch is lost or re-established.
    public init(ledger: EtcdLedger, log: @escaping @Sendable (String) -> Void = { _ in }) throws(EtcdError) {
        self.ledger = ledger
        self.log = log
        watch = try GatewayWatch(tls: ledger.store.tls, connectTimeout: ledger.client.requestTimeout)
    }

    /// Whether the view is current (read, and its watch running).
    public var isLive: Bool { state.withLock { $0.live } }

    /// The store revision the view reflects.
    public var revision: Int64 { state.withLock { $0.revision } }

    /// How many times the view was read again after losing its watch.
    public var resyncs: Int { state.withLock { $0.resyncs } }

    /// Why the view is not live, when it is not.
    public var lastFailure: String? { state.withLock { $0.lastFailure } }

    /// Reads the store, then follows it, until the task is cancelled; a lost watch (etcd
    /// restarted, the revision compacted, the connection broken) is re-established from a
    /// fresh read after a pause of 0.1 s, growing to 5 s while it keeps failing.
    public func run() async {
        var pause: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do throws(EtcdError) {
                let revision = try await load()
                try await follow(from: revision) { pause = .milliseconds(100) }
            } catch {
                let wasLive = state.withLock { state in
                    defer { state.live = false; state.lastFailure = error.description }
                    return state.live
                }
                if Task.isCancelled { break }
                if wasLive { log("the etcd watch was lost (\(error)); reading the store again") }
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
        state.withLock { $0.live = false }
        await watch.shutdown()
    }

    /// Reads pools and reserved IPs in one transaction, then the records in pages of 500 at
    /// that same revision (a bounded answer at a time, however many records there are);
    /// returns the revision.
    func load() async throws(EtcdError) -> Int64 {
        let ledger = self.ledger
        // A thread of its own: the read blocks on the HTTP client, which itself needs NIO's
        // shared thread pool (name resolution), so it must never wait on one of those threads.
        let result: Result<State, EtcdError> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { () throws(EtcdError) -> State in try EtcdStoreView.read(ledger) })
            }.start()
        }
        let loaded = try result.get()
        state.withLock { state in
            var fresh = loaded
            fresh.claims = state.claims.filter { $0.value.revision.map { $0 > loaded.revision } ?? true }
            fresh.resyncs = state.resyncs + 1
            state = fresh
        }
        EtcdStoreView.returnFreedMemory()
        return loaded.revision
    }

    static func read(_ ledger: EtcdLedger) throws(EtcdError) -> State {
        let prefix = ledger.prefix
        let documents = try ledger.client.txn([], success: [.range(prefix: "\(prefix)/pools/"), .range(prefix: "\(prefix)/reserved/")])
        guard documents.responses.count == 2 else {
            throw .malformedResponse(endpoint: ledger.store.description, reason: "the store read has \(documents.responses.count) parts, not 2")
        }
        var state = State()
        state.revision = documents.revision
        for kv in documents.responses[0].keyValues { state.pools[String(kv.key.dropFirst("\(prefix)/pools/".count))] = kv }
        for kv in documents.responses[1].keyValues { state.reserved[String(kv.key.dropFirst("\(prefix)/reserved/".count))] = kv }
        let recordPrefix = "\(prefix)/records/"
        var range = EtcdRange.prefix(recordPrefix)
        range.limit = 500
        range.revision = documents.revision
        while true {
            let page = try ledger.client.page(range)
            for kv in page.keyValues {
                if let versioned = ledger.decodeRecord(kv) { state.putRecord(versioned.record, updateSets: false) }
            }
            guard page.more, let last = page.keyValues.last else { break }
            range.key = last.key + "\0"
        }
        for pool in state.records.keys { state.records[pool]?.rebuildSets() }
        return state
    }

    /// Gives the memory a large read freed back to the system (glibc keeps it otherwise).
    static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// Follows every change under the store's prefix after `revision`.
    func follow(from revision: Int64, started: () -> Void) async throws(EtcdError) {
        let prefix = ledger.prefix + "/"
        let body = GatewayCodec.encode(["create_request": [
            "key": GatewayCodec.base64(prefix), "range_end": GatewayCodec.base64(EtcdKeys.rangeEnd(ofPrefix: prefix)),
            "start_revision": String(revision + 1),
        ] as [String: Any]])
        var lastFailure: EtcdError?
        for endpoint in ledger.store.endpoints {
            do throws(EtcdError) {
                try await watch.stream(endpoint, body) { (line) throws(EtcdError) -> Bool in
                    try apply(line, endpoint: endpoint.description, started: started)
                }
                return
            } catch {
                lastFailure = error
                // A watch that ran and was lost is read again from the start, not moved on.
                if isLive { throw error }
            }
        }
        throw lastFailure ?? .invalidStore("no endpoint")
    }

    /// Applies one message of the watch; `false` ends it.
    func apply(_ line: [UInt8], endpoint: String, started: () -> Void) throws(EtcdError) -> Bool {
        guard let object = GatewayCodec.jsonObject(line) else {
            throw .malformedResponse(endpoint: endpoint, reason: "a watch message is not JSON")
        }
        if let error = object["error"] as? [String: Any] {
            throw .unavailable(endpoint: endpoint, reason: "the watch failed: \(error["message"] as? String ?? "\(error)")")
        }
        guard let result = object["result"] as? [String: Any] else { return true }
        if GatewayCodec.int64(result["compact_revision"]) > 0 {
            throw .unavailable(endpoint: endpoint, reason: "the watched revision was compacted")
        }
        if result["canceled"] as? Bool == true {
            throw .unavailable(endpoint: endpoint, reason: "etcd cancelled the watch: \(result["cancel_reason"] as? String ?? "")")
        }
        let revision = GatewayCodec.revision(result)
        let events = result["events"] as? [[String: Any]] ?? []
        let prefix = ledger.prefix
        let ledger = self.ledger
        let becameLive = state.withLock { state -> Bool in
            for event in events {
                guard let kv = event["kv"] as? [String: Any] else { continue }
                let key = GatewayCodec.text(kv["key"])
                let deleted = event["type"] as? String == "DELETE"
                let modRevision = GatewayCodec.int64(kv["mod_revision"])
                let value = EtcdKeyValue(key: key, value: GatewayCodec.text(kv["value"]), createRevision: GatewayCodec.int64(kv["create_revision"]),
                                         modRevision: modRevision, version: GatewayCodec.int64(kv["version"]))
                if key.hasPrefix("\(prefix)/pools/") {
                    let name = String(key.dropFirst("\(prefix)/pools/".count))
                    if deleted { state.pools[name] = nil; state.parsedPools[name] = nil } else { state.pools[name] = value }
                } else if key.hasPrefix("\(prefix)/reserved/") {
                    let name = String(key.dropFirst("\(prefix)/reserved/".count))
                    state.reserved[name] = deleted ? nil : value
                } else if key.hasPrefix("\(prefix)/records/") {
                    let path = key.dropFirst("\(prefix)/records/".count)
                    guard let slash = path.firstIndex(of: "/"), let address = IPAddress(String(path[path.index(after: slash)...])) else { continue }
                    let id = RecordID(pool: String(path[..<slash]), address: address)
                    if deleted {
                        state.removeRecord(id)
                    } else if let versioned = ledger.decodeRecord(value) {
                        state.putRecord(versioned.record)
                    }
                    if let claim = state.claims[key], let written = claim.revision, modRevision >= written { state.claims[key] = nil }
                }
                state.revision = max(state.revision, modRevision)
            }
            state.revision = max(state.revision, revision)
            if result["created"] as? Bool == true && !state.live {
                state.live = true
                state.lastFailure = nil
                return true
            }
            return false
        }
        if becameLive {
            started()
            log("following etcd at \(endpoint) from revision \(revision)")
        }
        return true
    }

    // MARK: Reads for allocation

    /// The pools (parsed once per revision), the reserved-IP documents, what the attachment
    /// holds (claims included) and the view's revision; `nil` when the view is not live.
    func allocationDocuments(for attachment: Attachment) -> (pools: [EtcdKeyValue], cached: [String: (revision: Int64, pool: SpiderIPPool)],
                                                                reserved: [EtcdKeyValue], held: [AllocationRecord], revision: Int64)? {
        state.withLock { state in
            guard state.live else { return nil }
            var held = (state.holders[attachment] ?? []).compactMap { state.records[$0.pool]?.records[$0.address] }
            for claim in state.claims.values where claim.record.owner.attachment == attachment && !held.contains(claim.record) {
                held.append(claim.record)
            }
            return (state.pools.values.sorted { $0.key < $1.key }, state.parsedPools, state.reserved.values.sorted { $0.key < $1.key },
                    held, state.revision)
        }
    }

    /// Remembers a parsed pool document.
    func remember(_ pool: SpiderIPPool, revision: Int64) {
        state.withLock { state in
            if state.pools[pool.name]?.modRevision == revision { state.parsedPools[pool.name] = (revision, pool) }
        }
    }

    /// What one allocation attempt needs of a pool, read from the copy.
    struct PoolSnapshot: Sendable {
        var document: EtcdKeyValue
        var parsed: SpiderIPPool?
        var mine: AllocationRecord?
        var previous: AllocationRecord?
        /// Held by a live attachment, claims included.
        var held: IPRangeSet
        var parked: IPRangeSet
        var parkedRecords: [AllocationRecord]
    }

    /// The pool's document and what decides an allocation in it (claims included), or `nil`
    /// when the view is not live; `.some(nil)` when the pool is not in the view. Costs a few
    /// look-ups, not a pass over every record.
    func occupancySnapshot(of pool: String, for request: AllocationRequest) -> PoolSnapshot?? {
        state.withLock { state -> PoolSnapshot?? in
            guard state.live else { return nil }
            guard let document = state.pools[pool] else { return .some(nil) }
            let records = state.records[pool] ?? PoolRecords()
            var held = records.held
            var claimed: [AllocationRecord] = []
            for claim in state.claims.values where claim.record.pool == pool && records.records[claim.record.address] == nil {
                claimed.append(claim.record)
            }
            if !claimed.isEmpty { held = held.union(IPRangeSet(addresses: claimed.map(\.address))) }
            let mine = (state.holders[request.attachment] ?? []).first { $0.pool == pool }.flatMap { records.records[$0.address] }
                ?? claimed.first { $0.owner.attachment == request.attachment }
            let pod = request.owner.pod
            // Claims too: a record this agent wrote a moment ago may not be back through the watch yet.
            let sameNIC: [AllocationRecord] = (pod.isEmpty
                ? Array(records.records.values)
                : (state.byPod[pod] ?? []).filter { $0.pool == pool }.compactMap { records.records[$0.address] })
                + claimed.filter { pod.isEmpty || $0.owner.pod == pod }
            let previous = AddressChooser.previousHolding(sameNIC.sorted { $0.address < $1.address }, request)
            let parkedRecords = records.parked.isEmpty ? [] : records.records.values.filter(\.owner.isParked).sorted { $0.address < $1.address }
            let parsed = state.parsedPools[pool].flatMap { $0.revision == document.modRevision ? $0.pool : nil }
            return .some(PoolSnapshot(document: document, parsed: parsed, mine: mine, previous: previous, held: held,
                                      parked: records.parked, parkedRecords: parkedRecords))
        }
    }

    /// Claims `record`'s address for this process's reservation in flight; `false` when another
    /// reservation of this process holds it.
    func claim(_ record: AllocationRecord, key: String) -> Bool {
        state.withLock { state in
            if let existing = state.claims[key], existing.record.owner.attachment != record.owner.attachment { return false }
            state.claims[key] = Claim(record: record, revision: nil)
            return true
        }
    }

    /// Ends a claim: written at `revision` (kept until the watch shows it), or given up.
    func settle(key: String, revision: Int64?) {
        state.withLock { state in
            guard let revision else { state.claims[key] = nil; return }
            if state.revision >= revision {
                // The watch already went past the write: the record is in the view (or was
                // already changed again).
                state.claims[key] = nil
            } else {
                state.claims[key]?.revision = revision
            }
        }
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim` (`<malloc.h>`, which the Glibc module does not bring).
@_silgen_name("malloc_trim")
func glibcMallocTrim(_ pad: Int) -> Int32
#endif
