import Testing
@testable import SpiderCore

/// Pool rules that keep hostile or careless manifests from hurting anyone (issue 14): no
/// unassignable address is handed out, no pool hands out another's gateway, large pools are
/// checked in O(n log n), and `sticky: auto` does not mistake random suffixes for ordinals.
@Suite("pools: unassignable addresses, gateways, large inputs, stickiness")
struct PoolSafetyTests {
    static func request(_ id: String = "c1") throws -> AllocationRequest {
        AllocationRequest(attachment: try SpiderCore.Attachment(containerID: id, interface: "eth0"))
    }

    static func choose(_ subnet: String, _ ips: [String]) throws -> IPAddress? {
        let space = try PoolAddressSpace(subnet: subnet, ips: ips)
        return AddressChooser.choose(space: space, records: [], reserved: [], cursor: nil, request: try request())
    }

    // MARK: Item 11

    @Test("unspecified, loopback, multicast and broadcast addresses are never chosen", arguments: [
        ("0.0.0.0/0", ["0.0.0.0-1.0.0.1"], "1.0.0.0"),
        ("0.0.0.0/0", ["127.0.0.0-128.0.0.0"], "128.0.0.0"),
        ("0.0.0.0/0", ["224.0.0.0-239.255.255.255", "255.255.255.255"], nil),
        ("::/0", ["::-::3"], "::2"),
        ("::/0", ["ff02::1-ff02::3"], nil),
    ] as [(String, [String], String?)])
    func unassignable(subnet: String, ips: [String], expected: String?) throws {
        #expect(try Self.choose(subnet, ips)?.description == expected)
    }

    @Test("the webhook refuses loopback, multicast and 'this network' subnets", arguments: [
        "127.0.0.0/8", "127.1.0.0/16", "224.0.0.0/4", "239.1.0.0/16", "0.0.0.0/8", "ff00::/8", "ff02::/16", "::1/128",
    ])
    func unassignableSubnet(subnet: String) throws {
        let pool = SpiderIPPool(name: "bad", subnet: subnet, ips: [])
        #expect(throws: ManifestError.self) { try IPPoolWebhook.validateCreate(IPPoolWebhook.defaulted(pool)) }
    }

    @Test("a fixed address that is loopback is refused even inside a pool")
    func fixedLoopback() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(SpiderIPPool(name: "wide", subnet: "0.0.0.0/0", ips: ["127.0.0.1-127.0.0.2"]))
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["wide"])
        request.fixedAddresses = [try #require(IPAddress("127.0.0.1"))]
        #expect(throws: IPAMError.self) { _ = try store.service.allocate(request) }
    }

    // MARK: Item 8 (webhook)

    @Test("a pool may not hand out another pool's gateway, nor use as gateway what another hands out")
    func otherPoolsGateways() throws {
        let a = IPPoolWebhook.defaulted(SpiderIPPool(name: "a", subnet: "10.6.0.0/16", ips: ["10.6.1.1-10.6.1.10"], gateway: "10.6.0.1"))
        var context = IPPoolWebhook.Context()
        context.existingPools = [a]
        let capturing = IPPoolWebhook.defaulted(SpiderIPPool(name: "b", subnet: "10.6.0.0/16", ips: ["10.6.0.1-10.6.0.5"]))
        #expect(throws: ManifestError.self) { try IPPoolWebhook.validateCreate(capturing, context: context) }
        let other = IPPoolWebhook.defaulted(SpiderIPPool(name: "c", subnet: "10.6.0.0/16", ips: ["10.6.2.1-10.6.2.5"], gateway: "10.6.1.5"))
        #expect(throws: ManifestError.self) { try IPPoolWebhook.validateCreate(other, context: context) }
        let fine = IPPoolWebhook.defaulted(SpiderIPPool(name: "d", subnet: "10.6.0.0/16", ips: ["10.6.2.1-10.6.2.5"], gateway: "10.6.0.1"))
        try IPPoolWebhook.validateCreate(fine, context: context)
    }

    // MARK: Item 10

    @Test("100,000 single addresses make a pool in O(n log n)", .timeLimit(.minutes(1)))
    func manyEntries() throws {
        let ips = (0..<100_000).map { "10.\($0 >> 16).\(($0 >> 8) & 0xff).\($0 & 0xff)" }
        let excludes = (0..<30_000).map { "10.\(($0 * 3) >> 16).\((($0 * 3) >> 8) & 0xff).\(($0 * 3) & 0xff)" }
        let space = try PoolAddressSpace(subnet: "10.0.0.0/8", ips: ips, excludeIPs: excludes)
        #expect(space.totalCount == AddressCount(70_000))
        #expect(space.effectiveEntries.count == 70_000)
    }

    @Test("the first bad entry in the order given is reported: an overlap before a malformed entry, or the other way round")
    func errorPrecedence() {
        #expect(throws: AddressError.overlappingRanges("10.0.0.1", existing: "10.0.0.1", relation: .coveredBy)) {
            _ = try PoolAddressSpace(subnet: "10.0.0.0/24", ips: ["10.0.0.1", "10.0.0.1", "bogus"])
        }
        #expect(throws: AddressError.invalidAddress("bogus")) {
            _ = try PoolAddressSpace(subnet: "10.0.0.0/24", ips: ["10.0.0.1", "bogus", "10.0.0.1"])
        }
    }

    @Test("the fast overlap check names the same pair as comparing every pair", arguments: 0..<300)
    func overlapMatchesPairwise(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        let ips = (0..<Int(generator.next() % 12 + 2)).map { _ -> String in
            let lower = generator.next() % 40, length = generator.next() % 4
            return length == 0 ? "10.0.0.\(lower)" : "10.0.0.\(lower)-10.0.0.\(lower + length)"
        }
        let ranges = try ips.map { try IPRange(parsing: $0) }
        var expected: (Int, Int)?
        search: for index in ranges.indices {
            for earlier in 0..<index where ranges[earlier].overlaps(ranges[index]) {
                expected = (index, earlier)
                break search
            }
        }
        let found = PoolAddressSpace.firstOverlap(ranges)
        #expect(found?.index == expected?.0 && found?.earlier == expected?.1, "\(ips)")
    }

    @Test("complement(within:) and overlaps(_:) agree with set subtraction and intersection", arguments: 0..<300)
    func rangeSetHelpers(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed) &+ 1_000)
        let holes = IPRangeSet((0..<Int(generator.next() % 8)).map { _ in
            let lower = UInt128(generator.next() % 60)
            return IPRange(family: .v4, lower: lower, upper: lower + UInt128(generator.next() % 5))
        })
        let lower = UInt128(generator.next() % 60)
        let range = IPRange(family: .v4, lower: lower, upper: lower + UInt128(generator.next() % 10))
        #expect(holes.complement(within: range) == IPRangeSet([range]).subtracting(holes).ranges)
        #expect(holes.overlaps(range) == holes.overlaps(IPRangeSet([range])))
    }

    // MARK: Item 27

    @Test("sticky auto: ordinals are sticky, a 5-character generated-name suffix is not", arguments: [
        ("web-0", true), ("web-12", true), ("web-12345", true), ("db-100000", true),
        ("web-7f9c4-24567", false), ("agent-22222", false), ("web", false), ("web-abc", false),
    ])
    func statefulNames(name: String, sticky: Bool) {
        #expect(AllocationRequest.looksLikeStatefulSetPod(name) == sticky)
    }

    @Test("sticky auto trusts the owner kind when the runtime passes it; a Pod without a name is never parked")
    func ownerKind() {
        #expect(!AllocationRequest.isStatefulPod(name: "", ownerKind: "StatefulSet"))
        #expect(AllocationRequest.isStatefulPod(name: "agent-22222", ownerKind: "StatefulSet"))
        #expect(!AllocationRequest.isStatefulPod(name: "web-0", ownerKind: "ReplicaSet"))
        #expect(AllocationRequest.isStatefulPod(name: "web-0", ownerKind: nil))
    }
}
