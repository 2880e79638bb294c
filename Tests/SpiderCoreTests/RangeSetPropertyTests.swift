import Testing
@testable import SpiderCore

/// A small deterministic generator (SplitMix64), so a failing case can be replayed by seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random sets over a few small windows of both families (low, middle and top of each space),
/// so that overlaps, adjacency and the ends of the space come up often; the reference model is
/// a plain `Set` of the windows' addresses.
struct RangeSetModel {
    static let windows: [(IPFamily, UInt128)] = [
        (.v4, 0), (.v4, 0x0A06_D400), (.v4, UInt128(UInt32.max) - 47),
        (.v6, 0), (.v6, UInt128(0xfd00) << 112), (.v6, UInt128.max - 47),
    ]
    static let width: UInt128 = 48

    static func randomRange(_ rng: inout SeededGenerator) -> IPRange {
        let (family, base) = windows[Int.random(in: 0..<windows.count, using: &rng)]
        let a = base + UInt128(UInt64.random(in: 0..<UInt64(width), using: &rng))
        let b = base + UInt128(UInt64.random(in: 0..<UInt64(width), using: &rng))
        return IPRange(family: family, lower: min(a, b), upper: max(a, b))
    }

    static func randomSet(_ rng: inout SeededGenerator) -> IPRangeSet {
        IPRangeSet((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomRange(&rng) })
    }

    static func members(_ set: IPRangeSet) -> Set<IPAddress> { Set(set.addresses) }

    static var universe: [IPAddress] {
        windows.flatMap { family, base in (0..<width).map { IPAddress(family: family, value: base + $0) } }
    }

    static func isNormalized(_ set: IPRangeSet) -> Bool {
        zip(set.ranges, set.ranges.dropFirst()).allSatisfy { a, b in
            a.upper < b.lower && !(a.family == b.family && a.upper.successor == b.lower)
        }
    }
}

@Suite("Range set properties (1,000+ cases each)")
struct RangeSetPropertyTests {
    static let cases = 1_500

    @Test("print∘parse is the identity for addresses, CIDRs and ranges")
    func printParseIdentity() throws {
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<Self.cases {
            let v4 = IPAddress.v4(IPv4Address(UInt32.random(in: 0...UInt32.max, using: &rng)))
            // Groups drawn mostly from {0, 1, ffff} so zero runs of every length appear.
            var value: UInt128 = 0
            for _ in 0..<8 {
                let group: UInt128 = [0, 0, 1, 0xffff, UInt128(UInt16.random(in: 0...UInt16.max, using: &rng))][Int.random(in: 0..<5, using: &rng)]
                value = value << 16 | group
            }
            let v6 = IPAddress.v6(IPv6Address(value))
            for address in [v4, v6] {
                #expect(IPAddress(address.description) == address, "\(address)")
                let length = Int.random(in: 0...address.family.bitWidth, using: &rng)
                let network = try #require(IPNetwork(address: address, prefixLength: length))
                #expect(IPNetwork(network.description) == network, "\(network)")
            }
            let range = RangeSetModel.randomRange(&rng)
            #expect(try IPRange(parsing: range.description) == range, "\(range)")
            let set = RangeSetModel.randomSet(&rng)
            #expect(try IPRangeSet(parsing: set.ranges.map(\.description)) == set, "\(set)")
        }
    }

    @Test("union, subtraction and intersection agree with a plain set and stay normalized")
    func algebraAgainstModel() {
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<Self.cases {
            let a = RangeSetModel.randomSet(&rng), b = RangeSetModel.randomSet(&rng)
            let ma = RangeSetModel.members(a), mb = RangeSetModel.members(b)
            for (result, model) in [(a.union(b), ma.union(mb)), (a.subtracting(b), ma.subtracting(mb)), (a.intersection(b), ma.intersection(mb))] {
                #expect(RangeSetModel.members(result) == model, "a=\(a) b=\(b) → \(result)")
                #expect(RangeSetModel.isNormalized(result), "\(result)")
                #expect(result.count.int == model.count)
            }
        }
    }

    @Test("set laws: count(A∪B)+count(A∩B) = count(A)+count(B), commutativity, De Morgan")
    func laws() {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<Self.cases {
            let a = RangeSetModel.randomSet(&rng), b = RangeSetModel.randomSet(&rng), c = RangeSetModel.randomSet(&rng)
            #expect(a.union(b).count + a.intersection(b).count == a.count + b.count)
            #expect(a.union(b) == b.union(a))
            #expect(a.intersection(b) == b.intersection(a))
            #expect(a.subtracting(b.union(c)) == a.subtracting(b).subtracting(c))
            #expect(a.subtracting(b.intersection(c)) == a.subtracting(b).union(a.subtracting(c)))
            #expect(a.subtracting(b).intersection(b).isEmpty)
            #expect(a.subtracting(b).union(a.intersection(b)) == a)
            #expect(a.union(b).isSuperset(of: a))
            #expect(a.intersection(b).isSubset(of: b))
        }
    }

    @Test("contains, nth and lowest-free agree with enumeration")
    func queriesAgainstModel() {
        var rng = SeededGenerator(seed: 4)
        let universe = RangeSetModel.universe
        for _ in 0..<Self.cases {
            let a = RangeSetModel.randomSet(&rng), used = RangeSetModel.randomSet(&rng)
            let members = Array(a.addresses)
            let probe = universe[Int.random(in: 0..<universe.count, using: &rng)]
            #expect(a.contains(probe) == members.contains(probe))
            if !members.isEmpty {
                let n = Int.random(in: 0..<members.count, using: &rng)
                #expect(a.address(at: AddressCount(UInt128(n))) == members[n])
            }
            #expect(a.address(at: AddressCount(UInt128(members.count))) == nil)
            let usedMembers = RangeSetModel.members(used)
            #expect(a.lowestAddress(notIn: used) == members.first { !usedMembers.contains($0) }, "a=\(a) used=\(used)")
            #expect(a.lowestAddresses(notIn: used, limit: 3) == Array(members.filter { !usedMembers.contains($0) }.prefix(3)))
        }
    }
}

@Suite("Large sets are never enumerated")
struct LargeSetTests {
    @Test("a /64 minus its first address: count, nth and lowest free")
    func slash64() throws {
        let set = try RangeQuery(ranges: ["fd00::/64"], excludes: ["fd00::"]).set()
        #expect(set.count.description == "18446744073709551615")
        #expect(set.address(at: 0)?.description == "fd00::1")
        #expect(set.address(at: AddressCount("18446744073709551614")!)?.description == "fd00::ffff:ffff:ffff:ffff")
        #expect(set.lowestAddress(notIn: try IPRangeSet(parsing: ["fd00::1-fd00::ffff"]))?.description == "fd00::1:0")
    }

    @Test("the whole IPv6 space, and both spaces together")
    func everything() throws {
        let all = try IPRangeSet(parsing: ["::/0", "0.0.0.0/0"])
        #expect(all.count.description == "340282366920938463463374607436063178752")
        #expect(all.subtracting(try IPRangeSet(parsing: ["::/1"])).count.description == "170141183460469231731687303720179073024")
        #expect(all.contains(try #require(IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))))
    }

    @Test("a /10 minus 1,000 scattered excludes")
    func slash10() throws {
        let pool = try IPRangeSet(parsing: ["10.64.0.0/10"])
        let excludes = IPRangeSet((0..<1000).map { i in
            IPRange(IPAddress(family: .v4, value: 0x0A40_0000 + UInt128(i) * 4093))
        })
        let free = pool.subtracting(excludes)
        #expect(free.count.description == String(4_194_304 - 1000))
        #expect(free.ranges.count == 1000)  // the first exclude is the first address
        #expect(free.lowestAddress(notIn: IPRangeSet())?.description == "10.64.0.1")
    }
}
