/// The IPAM lifecycle over a ledger: ADD (allocate), DEL (release), CHECK, GC, and pool
/// management. Everything that decides is pure (``PoolSelector``, ``AddressChooser``); this type
/// only sequences the ledger's atomic steps.
public struct IPAMService<Store: Ledger>: Sendable {
    public let ledger: Store
    /// How many times an allocation is retried when another allocator takes the chosen
    /// address first (compare-and-swap ledgers).
    public var maxAttempts = 16

    public init(ledger: Store) { self.ledger = ledger }

    // MARK: ADD

    /// Allocates one address per wanted family for the attachment; idempotent per attachment
    /// (a retried ADD returns what the attachment already holds), all-or-nothing across families.
    public func allocate(_ request: AllocationRequest) throws(IPAMError) -> AllocationResult {
        try ledger.withTransaction { () throws(IPAMError) -> AllocationResult in try allocateInTransaction(request) }
    }

    func allocateInTransaction(_ request: AllocationRequest) throws(IPAMError) -> AllocationResult {
        let view = try ledger.allocationView(for: request.attachment)
        let pools = view.pools.map(IPPoolWebhook.defaulted)
        let byName = Dictionary(pools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let held = view.held
        if !held.isEmpty {
            let clean = (try? PoolSelector(pools: pools).candidates(for: request))?.cleanGateway ?? request.cleanGateway
            return result(held, byName, cleanGateway: clean)
        }
        let selection: (rule: PoolSelector.Rule, pools: [IPFamily: [String]], cleanGateway: Bool)
        do {
            selection = try PoolSelector(pools: pools).candidates(for: request)
        } catch .poolNotFound(let name) {
            // A pool whose stored document is damaged is named as such, not as missing.
            if let damaged = view.unreadablePools.first(where: { $0.name == name }) { throw .unreadableDocument(damaged) }
            throw .poolNotFound(name)
        }

        let reserved = IPAMService.reservedAddresses(view.reserved)
        var taken: [Taken] = []
        for family in IPFamily.allCases {
            guard let candidates = selection.pools[family], !candidates.isEmpty else { continue }
            do {
                taken.append(try allocate(family, candidates, byName, reserved, request))
            } catch {
                // All or nothing: give back fresh addresses, hand taken-over ones back to their holder.
                for item in taken {
                    _ = try? ledger.withPoolLock(item.record.pool) { () throws(IPAMError) in
                        if let previous = item.previousOwner {
                            try ledger.transfer(item.record, to: previous)
                        } else {
                            try ledger.release(item.record)
                        }
                    }
                }
                throw error
            }
        }
        var current = byName
        for item in taken { if let pool = item.pool { current[pool.name] = pool } }
        return result(taken.map(\.record), current, cleanGateway: selection.cleanGateway)
    }

    /// An address taken by one ADD, and who held it before when it was taken over.
    struct Taken {
        var record: AllocationRecord
        var previousOwner: AllocationOwner?
        /// The pool as it was when the address was taken (its gateway and routes go in the result).
        var pool: SpiderIPPool?
    }

    func allocate(_ family: IPFamily, _ candidates: [String], _ pools: [String: SpiderIPPool], _ reserved: IPRangeSet,
                  _ request: AllocationRequest) throws(IPAMError) -> Taken {
        let fixed = request.fixedAddresses.filter { $0.family == family }
        if let address = fixed.first { return try allocateFixed(address, candidates, pools, reserved, request) }
        var racesLost = false
        var deleted: [String] = []
        // What the pool as stored now may hand out: read again inside the lock, so that a pool
        // changed (or deleted) since the ADD read the list is used as it is now.
        let available = { (pool: SpiderIPPool) -> IPRangeSet? in
            let pool = IPPoolWebhook.defaulted(pool)
            guard let space = try? PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs),
                  space.subnet.family == family else { return nil }
            return space.effective.subtracting(reserved).subtracting(.unassignable)
        }
        for name in candidates where pools[name] != nil {
            attempts: for attempt in 0..<maxAttempts {
                // After a lost race, spread over the lowest free addresses so that allocators
                // on other nodes stop colliding on the same one.
                let spread = attempt == 0 ? 1 : min(1 << attempt, 64)
                let outcome = try ledger.withPoolLock(name) { () throws(IPAMError) -> Taken?? in
                    guard let occupancy = try ledger.occupancy(of: name, for: request, limit: spread, available: available) else {
                        deleted.append(name)
                        return .some(nil)
                    }
                    let pool = IPPoolWebhook.defaulted(occupancy.pool)
                    // A concurrent ADD of the same attachment got here first: the same answer.
                    if let mine = occupancy.mine { return Taken(record: mine, previousOwner: mine.owner, pool: pool) }
                    // The same Pod's NIC from an earlier sandbox, or its parked sticky address: take it over.
                    if let previous = occupancy.previous {
                        let mine = AllocationRecord(pool: name, address: previous.address, owner: request.owner)
                        return try ledger.transfer(previous, to: request.owner) ? Taken(record: mine, previousOwner: previous.owner, pool: pool) : nil
                    }
                    let address: IPAddress
                    if let pick = spread > 1 ? occupancy.free.randomElement() : occupancy.free.first {
                        address = pick
                    } else if let evicted = occupancy.parked {
                        // The pool is otherwise full: a parked address of another Pod is reused.
                        guard try ledger.release(evicted) else { return nil }
                        address = evicted.address
                    } else {
                        return .some(nil)
                    }
                    let record = AllocationRecord(pool: name, address: address, owner: request.owner)
                    guard try ledger.reserve(record) else { return nil }
                    return Taken(record: record, previousOwner: nil, pool: pool)
                }
                switch outcome {
                case .some(.some(let taken)): return taken
                case .some(.none): break attempts  // this pool is full: next pool
                case .none:
                    racesLost = true
                    if ledger.hasOptimisticWrites { ledger.pause(afterAttempt: attempt) }
                    continue attempts               // lost a race: try again
                }
            }
        }
        if racesLost {
            throw .storeUnavailable("exhaust all retries (\(maxAttempts) times), failed to allocate an \(family) address from IPPools \(candidates)")
        }
        // Every candidate was deleted while this ADD ran: say so, not "used out".
        if let name = deleted.first, deleted.count == candidates.count { throw .poolNotFound(name) }
        throw .poolsExhausted(family: family, pools: candidates, interface: request.attachment.interface)
    }

    func allocateFixed(_ address: IPAddress, _ candidates: [String], _ pools: [String: SpiderIPPool], _ reserved: IPRangeSet,
                       _ request: AllocationRequest) throws(IPAMError) -> Taken {
        for name in candidates where pools[name] != nil {
            let taken = try ledger.withPoolLock(name) { () throws(IPAMError) -> Taken? in
                // The pool as stored now: it may have been changed or deleted since the list was read.
                guard let stored = try ledger.pool(named: name) else { throw .poolNotFound(name) }
                let pool = IPPoolWebhook.defaulted(stored)
                guard let space = try? PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs),
                      space.listed.contains(address) else { return nil }
                guard space.effective.contains(address) else { throw .fixedAddressUnavailable(address, pool: name, reason: "it is in excludeIPs") }
                guard !IPRangeSet.unassignable.contains(address) else {
                    throw .fixedAddressUnavailable(address, pool: name, reason: "it is an unspecified, loopback, multicast or broadcast address")
                }
                guard !reserved.contains(address) else { throw .fixedAddressUnavailable(address, pool: name, reason: "it is reserved by a SpiderReservedIP") }
                let record = AllocationRecord(pool: name, address: address, owner: request.owner)
                if let current = try ledger.record(in: name, at: address) {
                    // Parked for this Pod, or held by an earlier sandbox of it: take it over.
                    if current.owner.attachment == request.attachment { return Taken(record: current, previousOwner: current.owner, pool: pool) }
                    let mine = AddressChooser.previousHolding([current], request) != nil
                    guard mine, try ledger.transfer(current, to: request.owner) else {
                        throw .fixedAddressTaken(address, pool: name, holder: current.owner.pod.isEmpty ? current.owner.attachment.description : current.owner.pod)
                    }
                    return Taken(record: record, previousOwner: current.owner, pool: pool)
                }
                guard try ledger.reserve(record) else { throw .fixedAddressTaken(address, pool: name, holder: "another attachment") }
                return Taken(record: record, previousOwner: nil, pool: pool)
            }
            if let taken { return taken }
        }
        throw .fixedAddressOutsidePools(address, pools: candidates)
    }

    /// The union of every SpiderReservedIP's addresses (bad entries are skipped: they were
    /// refused when stored).
    static func reservedAddresses(_ sets: [SpiderReservedIP]) -> IPRangeSet {
        var ranges: [IPRange] = []
        for reserved in sets {
            for text in reserved.ips { if let range = try? IPRange(parsing: text) { ranges.append(range) } }
        }
        return IPRangeSet(ranges)
    }

    func result(_ records: [AllocationRecord], _ pools: [String: SpiderIPPool], cleanGateway: Bool) -> AllocationResult {
        var addresses: [AllocationResult.Address] = []
        var routes: [PoolRoute] = []
        for record in records.sorted(by: { $0.address < $1.address }) {
            guard let pool = pools[record.pool], let subnet = IPNetwork(pool.subnet),
                  let network = IPNetwork(address: record.address, prefixLength: subnet.prefixLength) else { continue }
            let gateway = pool.gateway.flatMap { IPAddress($0, family: record.address.family) }
            addresses.append(AllocationResult.Address(address: network, gateway: gateway, pool: pool.name))
            if let gateway, !cleanGateway { routes.append(PoolRoute(dst: Route.defaultDestination(record.address.family), gw: gateway)) }
            for route in pool.routes { if let parsed = try? PoolRoute(dst: route.dst, gw: route.gw) { routes.append(parsed) } }
        }
        return AllocationResult(addresses: addresses, routes: routes)
    }

    // MARK: DEL, CHECK, GC

    /// Releases what the attachment holds; succeeds when it holds nothing. The addresses of a
    /// sticky Pod are parked for its next incarnation instead.
    @discardableResult
    /// - Parameter ownerKind: the Pod's controller kind when the runtime passed it (see
    ///   ``AllocationRequest/ownerKind``).
    public func release(_ attachment: Attachment, sticky: AllocationRequest.StickyPolicy = .auto,
                        ownerKind: String? = nil) throws(IPAMError) -> [AllocationRecord] {
        try ledger.withTransaction { () throws(IPAMError) -> [AllocationRecord] in
            var released: [AllocationRecord] = []
            for record in try ledger.records(of: attachment) {
                if try giveBack(record, sticky, ownerKind: ownerKind) { released.append(record) }
            }
            return released
        }
    }

    /// Releases one record, or parks it for a sticky Pod; `false` when it was no longer held.
    func giveBack(_ record: AllocationRecord, _ sticky: AllocationRequest.StickyPolicy, ownerKind: String? = nil) throws(IPAMError) -> Bool {
        try ledger.withPoolLock(record.pool) { () throws(IPAMError) -> Bool in
            guard IPAMService.shouldPark(record.owner, sticky, ownerKind: ownerKind) else { return try ledger.release(record) }
            var parked = record.owner
            parked.containerID = AllocationOwner.parkedContainerID
            return try ledger.transfer(record, to: parked)
        }
    }

    static func shouldPark(_ owner: AllocationOwner, _ policy: AllocationRequest.StickyPolicy, ownerKind: String? = nil) -> Bool {
        switch policy {
        case .never: false
        case .always: !owner.podName.isEmpty
        case .auto: AllocationRequest.isStatefulPod(name: owner.podName, ownerKind: ownerKind)
        }
    }

    /// What the attachment holds (CHECK verifies it is still there).
    public func held(by attachment: Attachment) throws(IPAMError) -> [AllocationRecord] {
        try ledger.records(of: attachment)
    }

    /// Releases every record whose attachment is not in `valid` (the CNI GC verb's
    /// `cni.dev/valid-attachments`); parked sticky records stay. With `node`, only records
    /// allocated on that node are candidates: on a ledger shared by several nodes, the runtime
    /// of one node knows only its own attachments. Returns what was released.
    @discardableResult
    public func collectGarbage(valid: Set<Attachment>, sticky: AllocationRequest.StickyPolicy = .auto,
                               node: String? = nil) throws(IPAMError) -> [AllocationRecord] {
        var released: [AllocationRecord] = []
        defer { try? ledger.sweep() }
        // A record whose owner cannot be told (damaged bytes, no owners entry left) may be a live
        // Pod's: it stays held, and `ip list` shows it, until someone releases it knowingly.
        for record in try ledger.allRecords() where record.owner.containerID != AllocationOwner.parkedContainerID
            && record.owner.containerID != AllocationOwner.unknownContainerID
            && !valid.contains(record.owner.attachment) && (node == nil || record.owner.node == node) {
            if try giveBack(record, sticky) { released.append(record) }
        }
        return released
    }
}

/// The pure choice of an address inside one pool.
public enum AddressChooser {
    /// A record the same Pod NIC already holds under another attachment: an earlier sandbox of
    /// the same Pod (same UID and interface), or the Pod's parked sticky address (same
    /// namespace/name and interface).
    public static func previousHolding(_ records: [AllocationRecord], _ request: AllocationRequest) -> AllocationRecord? {
        let owner = request.owner
        return records.first { record in
            guard record.owner.attachment != request.attachment, record.owner.interface == owner.interface else { return false }
            if record.owner.containerID == AllocationOwner.parkedContainerID {
                return !owner.pod.isEmpty && record.owner.pod == owner.pod
            }
            return !owner.podUID.isEmpty && record.owner.podUID == owner.podUID && record.owner.pod == owner.pod
        }
    }

    /// The lowest free address of the pool that is not parked for another Pod; a parked
    /// address only when nothing else is free.
    /// With `spread` above 1, one of the lowest `spread` such addresses at random (after a
    /// lost compare-and-swap race).
    public static func choose(space: PoolAddressSpace, records: [AllocationRecord], reserved: IPRangeSet, cursor: IPAddress?,
                              request: AllocationRequest, spread: Int = 1) -> IPAddress? {
        let (free, parked) = candidates(available: space.effective.subtracting(reserved).subtracting(.unassignable),
                                        records: records, limit: max(spread, 1))
        return (spread > 1 ? free.randomElement() : free.first) ?? parked?.address
    }

    /// The lowest `limit` addresses of `available` that no record holds, and the lowest parked
    /// record inside `available` (what is reused when nothing is free).
    public static func candidates(available: IPRangeSet, records: [AllocationRecord], limit: Int) -> (free: [IPAddress], parked: AllocationRecord?) {
        let parkedRecords = records.filter(\.owner.isParked)
        let parked = IPRangeSet(addresses: parkedRecords.map(\.address))
        let open = available.subtracting(IPRangeSet(addresses: records.filter { !$0.owner.isParked }.map(\.address)))
        let lowestParked = open.intersection(parked).first
        return (open.lowestAddresses(notIn: parked, limit: limit), lowestParked.flatMap { address in parkedRecords.first { $0.address == address } })
    }
}
