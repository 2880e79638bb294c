/// A set of addresses kept as sorted, disjoint, merged ranges.
///
/// Every operation works on the ranges, never on single addresses, so a /64 or a /10 costs the
/// same as a /24: union, subtraction and intersection are linear in the number of ranges,
/// membership is a binary search, and ``count`` is exact for any size (even `::/0`).
/// IPv4 ranges come before IPv6 ranges; ranges of different families never merge.
public struct IPRangeSet: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The normalized ranges: ascending, disjoint, and no two adjacent.
    public private(set) var ranges: [IPRange]

    /// The empty set.
    public init() { ranges = [] }

    /// The set of all addresses in `ranges`, which may overlap and come in any order.
    public init(_ ranges: some Sequence<IPRange>) {
        self.ranges = IPRangeSet.normalize(ranges.sorted { $0.lower < $1.lower })
    }

    /// The set of the given addresses.
    public init(addresses: some Sequence<IPAddress>) {
        self.init(addresses.map(IPRange.init))
    }

    /// The set of a CIDR's addresses.
    public init(_ network: IPNetwork) { ranges = [network.range] }

    public init(arrayLiteral elements: IPRange...) { self.init(elements) }

    /// Parses range expressions (address, `start-end` or CIDR) with ``IPRange/init(parsing:family:)``.
    public init(parsing texts: some Sequence<String>, family: IPFamily? = nil) throws(AddressError) {
        var parsed: [IPRange] = []
        for text in texts { parsed.append(try IPRange(parsing: text, family: family)) }
        self.init(parsed)
    }

    /// Addresses no Pod interface may hold, whatever a pool says: IPv4 `0.0.0.0/8` ("this
    /// network"), loopback `127.0.0.0/8`, multicast `224.0.0.0/4` and the limited broadcast
    /// `255.255.255.255`; IPv6 unspecified `::`, loopback `::1` and multicast `ff00::/8`.
    public static let unassignable: IPRangeSet = {
        let texts = ["0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "::/128", "::1/128", "ff00::/8"]
        return IPRangeSet(texts.compactMap { IPNetwork($0)?.range })
    }()

    /// Whether the set has no address.
    public var isEmpty: Bool { ranges.isEmpty }

    /// The exact number of addresses.
    public var count: AddressCount {
        ranges.reduce(into: AddressCount.zero) { $0 += $1.count }
    }

    /// The families present in the set.
    public var families: Set<IPFamily> { Set(ranges.map(\.family)) }

    /// The addresses of one family.
    public func filtered(family: IPFamily) -> IPRangeSet {
        IPRangeSet(normalized: ranges.filter { $0.family == family })
    }

    /// The lowest address, if any.
    public var first: IPAddress? { ranges.first?.lower }

    /// The highest address, if any.
    public var last: IPAddress? { ranges.last?.upper }

    /// Whether `address` is in the set (binary search).
    public func contains(_ address: IPAddress) -> Bool {
        guard let index = indexOfLastRange(startingAtOrBefore: address) else { return false }
        return ranges[index].contains(address)
    }

    /// Whether every address of `range` is in the set.
    public func contains(_ range: IPRange) -> Bool {
        guard let index = indexOfLastRange(startingAtOrBefore: range.lower) else { return false }
        return ranges[index].contains(range)
    }

    /// Whether some address of `range` is in the set (binary search).
    public func overlaps(_ range: IPRange) -> Bool {
        var index = indexOfLastRange(startingAtOrBefore: range.lower) ?? 0
        while index < ranges.count, ranges[index].lower <= range.upper {
            if ranges[index].overlaps(range) { return true }
            index += 1
        }
        return false
    }

    /// The parts of `range` that are not in this set, ascending: `IPRangeSet([range])
    /// .subtracting(self).ranges`, found by binary search (logarithmic in this set's size, linear
    /// in the number of holes inside `range`).
    public func complement(within range: IPRange) -> [IPRange] {
        var result: [IPRange] = []
        var lower = range.lower.value
        var index = indexOfLastRange(startingAtOrBefore: range.lower) ?? 0
        while index < ranges.count, ranges[index].lower <= range.upper {
            let hole = ranges[index]
            index += 1
            guard hole.family == range.family, hole.upper.value >= lower, hole.upper >= range.lower else { continue }
            if hole.lower.value > lower { result.append(IPRange(family: range.family, lower: lower, upper: hole.lower.value - 1)) }
            guard hole.upper.value < range.upper.value else { return result }
            lower = hole.upper.value + 1
        }
        result.append(IPRange(family: range.family, lower: lower, upper: range.upper.value))
        return result
    }

    /// Whether every address of `other` is in this set.
    public func isSuperset(of other: IPRangeSet) -> Bool { other.subtracting(self).isEmpty }

    /// Whether every address of this set is in `other`.
    public func isSubset(of other: IPRangeSet) -> Bool { other.isSuperset(of: self) }

    /// Whether the two sets share at least one address.
    public func overlaps(_ other: IPRangeSet) -> Bool { !intersection(other).isEmpty }

    /// The addresses in either set.
    public func union(_ other: IPRangeSet) -> IPRangeSet {
        var merged: [IPRange] = []
        merged.reserveCapacity(ranges.count + other.ranges.count)
        var i = 0, j = 0
        while i < ranges.count || j < other.ranges.count {
            if j == other.ranges.count || (i < ranges.count && ranges[i].lower <= other.ranges[j].lower) {
                merged.append(ranges[i]); i += 1
            } else {
                merged.append(other.ranges[j]); j += 1
            }
        }
        return IPRangeSet(normalized: IPRangeSet.normalize(merged))
    }

    /// The addresses of this set that are not in `other`.
    public func subtracting(_ other: IPRangeSet) -> IPRangeSet {
        var result: [IPRange] = []
        var j = 0
        for range in ranges {
            let family = range.family
            var lower = range.lower.value
            let upper = range.upper.value
            var exhausted = false
            // Skip holes that end before this range starts.
            while j < other.ranges.count && other.ranges[j].upper < range.lower { j += 1 }
            var k = j
            while k < other.ranges.count, other.ranges[k].lower <= range.upper {
                let hole = other.ranges[k]
                if hole.lower.value > lower {
                    result.append(IPRange(family: family, lower: lower, upper: hole.lower.value - 1))
                }
                if hole.upper.value >= upper { exhausted = true; break }
                lower = hole.upper.value + 1
                k += 1
            }
            if !exhausted { result.append(IPRange(family: family, lower: lower, upper: upper)) }
        }
        return IPRangeSet(normalized: result)
    }

    /// The addresses in both sets.
    public func intersection(_ other: IPRangeSet) -> IPRangeSet {
        var result: [IPRange] = []
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            if a.overlaps(b) {
                result.append(IPRange(uncheckedLower: max(a.lower, b.lower), upper: min(a.upper, b.upper)))
            }
            if a.upper < b.upper { i += 1 } else { j += 1 }
        }
        return IPRangeSet(normalized: result)
    }

    /// Adds the addresses of `other`.
    public mutating func formUnion(_ other: IPRangeSet) { self = union(other) }

    /// Removes the addresses of `other`.
    public mutating func subtract(_ other: IPRangeSet) { self = subtracting(other) }

    /// Adds one address; a no-op if it is there.
    public mutating func insert(_ address: IPAddress) { formUnion(IPRangeSet([IPRange(address)])) }

    /// Removes one address; a no-op if it is not there.
    public mutating func remove(_ address: IPAddress) { subtract(IPRangeSet([IPRange(address)])) }

    /// The address at 0-based position `index` in ascending order, or `nil` past the end.
    public func address(at index: AddressCount) -> IPAddress? {
        var remaining = index
        for range in ranges {
            let size = range.count
            if remaining < size {
                // remaining < size ≤ 2^128, so it fits UInt128.
                guard let offset = remaining.uint128 else { return nil }
                return IPAddress(family: range.family, value: range.lower.value + offset)
            }
            remaining = remaining - size
        }
        return nil
    }

    /// The lowest address of this set that is not in `used`, without enumerating either set.
    ///
    /// This is the allocator's "lowest free address": linear in the number of ranges of both
    /// sets, whatever their sizes.
    public func lowestAddress(notIn used: IPRangeSet) -> IPAddress? {
        var j = 0
        for range in ranges {
            var candidate = range.lower
            var covered = false
            while j < used.ranges.count && used.ranges[j].upper < candidate { j += 1 }
            // Each used range that starts at or before the candidate covers it: jump past it.
            while j < used.ranges.count && used.ranges[j].lower <= candidate {
                guard used.ranges[j].upper < range.upper, let next = used.ranges[j].upper.successor else {
                    covered = true
                    break
                }
                candidate = next
                j += 1
            }
            if !covered { return candidate }
        }
        return nil
    }

    /// The first `limit` addresses of this set that are not in `used`, ascending.
    public func lowestAddresses(notIn used: IPRangeSet, limit: Int) -> [IPAddress] {
        var found: [IPAddress] = []
        guard limit > 0 else { return found }
        for range in subtracting(used).ranges {
            for address in range {
                found.append(address)
                if found.count == limit { return found }
            }
        }
        return found
    }

    /// The addresses in ascending order, lazily.
    public var addresses: FlattenSequence<[IPRange]> { ranges.joined() }

    /// The ranges as text, comma separated (`10.0.0.0,10.0.0.2-10.0.0.3`).
    public var description: String { ranges.map(\.description).joined(separator: ",") }

    init(normalized: [IPRange]) { ranges = normalized }

    /// Index of the last range whose lower bound is ≤ `address`.
    private func indexOfLastRange(startingAtOrBefore address: IPAddress) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].lower <= address { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    /// Merges sorted ranges that overlap or touch.
    private static func normalize(_ sorted: [IPRange]) -> [IPRange] {
        var result: [IPRange] = []
        result.reserveCapacity(sorted.count)
        for range in sorted {
            if let last = result.last, last.family == range.family,
               range.lower.value <= last.upper.value || last.upper.successor == range.lower {
                if range.upper > last.upper {
                    result[result.count - 1] = IPRange(uncheckedLower: last.lower, upper: range.upper)
                }
            } else {
                result.append(range)
            }
        }
        return result
    }
}
