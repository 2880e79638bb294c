/// The addresses a pool can hand out: its `ips` minus its `excludeIPs`, all inside its `subnet`.
///
/// This is the interval model Spiderpool uses to count and compare pools (its `NewCIDR`), with
/// the same validation and messages, except that a reversed range is refused here instead of
/// being silently swapped.
public struct PoolAddressSpace: Sendable, Hashable {
    /// The pool's subnet.
    public let subnet: IPNetwork
    /// The `ips` entries in the order given.
    public let entries: [IPRange]
    /// The addresses of `ips`.
    public let listed: IPRangeSet
    /// The addresses of `excludeIPs`.
    public let excluded: IPRangeSet
    /// `ips` minus `excludeIPs`: what can be allocated (before reservations and allocations).
    public let effective: IPRangeSet

    /// Builds the address space of a pool from its manifest's fields.
    ///
    /// - Throws: `invalid CIDR address: …` for a bad subnet; `invalid range: …` for an entry
    ///   with two dashes, a prefix or reversed ends; `invalid IP address: …`;
    ///   `not match base subnet: …` for an address outside the subnet; and, when two `ips`
    ///   entries overlap, `range a is already covered by b`, `range a covers b` or
    ///   `range a overlaps with b`.
    public init(subnet subnetText: String, ips: [String], excludeIPs: [String] = []) throws(AddressError) {
        guard let subnet = IPNetwork(subnetText) else { throw .invalidCIDRAddress(subnetText) }
        self.subnet = subnet
        // Spiderpool checks entry by entry: the first entry that is malformed or overlaps an
        // earlier one is reported. Parse all, then look for an overlap among the entries before
        // the first malformed one.
        var entries: [IPRange] = []
        entries.reserveCapacity(ips.count)
        var malformed: AddressError?
        for text in ips {
            do { entries.append(try PoolAddressSpace.entry(text, in: subnet)) } catch {
                malformed = error
                break
            }
        }
        if let (index, earlier) = PoolAddressSpace.firstOverlap(entries) {
            let old = entries[earlier], range = entries[index]
            let relation: AddressError.OverlapRelation =
                old.contains(range) ? .coveredBy : range.contains(old) ? .covers : .overlaps
            throw .overlappingRanges(ips[index], existing: ips[earlier], relation: relation)
        }
        if let malformed { throw malformed }
        var excluded: [IPRange] = []
        for text in excludeIPs { excluded.append(try PoolAddressSpace.entry(text, in: subnet)) }
        self.entries = entries
        self.listed = IPRangeSet(entries)
        self.excluded = IPRangeSet(excluded)
        self.effective = listed.subtracting(self.excluded)
    }

    /// Each `ips` entry minus `excludeIPs`, entry by entry in the order given (Spiderpool's
    /// interval list: unlike ``effective``, touching entries are not merged).
    public var effectiveEntries: [IPRange] {
        entries.flatMap { excluded.complement(within: $0) }
    }

    /// The number of addresses that can be allocated, exact.
    public var totalCount: AddressCount { effective.count }

    /// Spiderpool's `status.totalIPCount`: the count clamped to `Int64.max`.
    public var totalIPCount: Int64 { totalCount.clampedToInt64 }

    /// The ranges among `others` that share an address with ``effective``, as given.
    public func overlapping(_ others: [IPRange]) -> [IPRange] {
        others.filter { effective.overlaps($0) }
    }

    /// The first entry, in the order given, that shares an address with an earlier one, and
    /// the first such earlier entry: what Spiderpool's pairwise check reports, found in
    /// O(n log² n) instead of comparing every pair.
    static func firstOverlap(_ entries: [IPRange]) -> (index: Int, earlier: Int)? {
        guard hasOverlap(entries[...]) else { return nil }
        // The shortest overlapping prefix ends at the entry Spiderpool names first.
        var low = 2, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if hasOverlap(entries[..<mid]) { high = mid } else { low = mid + 1 }
        }
        let index = low - 1
        guard let earlier = entries[..<index].firstIndex(where: { $0.overlaps(entries[index]) }) else { return nil }
        return (index, earlier)
    }

    /// Whether any two of `entries` share an address (sort, then compare neighbours).
    static func hasOverlap(_ entries: ArraySlice<IPRange>) -> Bool {
        let sorted = entries.sorted { $0.lower < $1.lower }
        // Sorted by lower bound, two entries overlap exactly when one starts at or before the
        // highest upper bound seen so far (families never mix: IPv4 sorts before IPv6).
        var highest: IPAddress?
        for range in sorted {
            if let upper = highest, upper.family == range.family, range.lower <= upper { return true }
            if let upper = highest, upper.family == range.family, upper >= range.upper { continue }
            highest = range.upper
        }
        return false
    }

    static func entry(_ text: String, in subnet: IPNetwork) throws(AddressError) -> IPRange {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, !(parts.count == 1 && text.contains("/")) else { throw .invalidRange(text) }
        var addresses: [IPAddress] = []
        for part in parts {
            guard let address = IPAddress(String(part)) else { throw .invalidAddress(String(part)) }
            guard subnet.contains(address) else { throw .outsideSubnet(String(part)) }
            addresses.append(address)
        }
        let lower = addresses[0], upper = addresses[addresses.count - 1]
        guard let range = IPRange(lower: lower, upper: upper) else { throw .reversedRange(text) }
        return range
    }
}
