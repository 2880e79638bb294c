import Foundation
import Testing
@testable import SpiderCore
import SpiderEmbeddedLedger

/// The embedded ledger answers an allocation from its index of held runs; these tests hold it to
/// the answer computed from every record (``PoolOccupancy/init(pool:records:request:available:limit:)``,
/// what ledgers without an index do), over random takes and releases.
@Suite("embedded ledger: the index of held addresses")
struct HeldRunsTests {
    static func pool(_ family: IPFamily) -> SpiderIPPool {
        family == .v4
            ? SpiderIPPool(name: "runs", subnet: "10.60.0.0/24", ips: ["10.60.0.1-10.60.0.40", "10.60.0.50-10.60.0.60"], excludeIPs: ["10.60.0.7"])
            : SpiderIPPool(name: "runs", subnet: "fd00:60::/64", ips: ["fd00:60::1-fd00:60::40"], excludeIPs: ["fd00:60::7"])
    }

    @Test("random takes, parks and releases: the ledger's free and parked answers equal those computed from every record",
          arguments: [(IPFamily.v4, UInt64(1)), (.v4, 2), (.v6, 3), (.v6, 4)])
    func randomOperations(family: IPFamily, seed: UInt64) throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let pool = Self.pool(family)
        try store.apply(pool)
        let space = try PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs)
        let available = space.effective.subtracting(.unassignable)
        let addresses = Array(available.addresses)
        var random = SeededGenerator(seed: seed)
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: "probe", interface: "eth0"))
        request.podPools = family == .v4 ? PoolChoice(ipv4: ["runs"]) : PoolChoice(ipv6: ["runs"])
        for step in 0..<400 {
            let address = addresses[Int.random(in: 0..<addresses.count, using: &random)]
            if let held = try store.ledger.record(in: "runs", at: address) {
                if Bool.random(using: &random) || held.owner.isParked {
                    #expect(try store.ledger.release(held))
                } else {
                    var parked = held.owner
                    parked.containerID = AllocationOwner.parkedContainerID
                    #expect(try store.ledger.transfer(held, to: parked))
                }
            } else {
                let owner = AllocationOwner(attachment: try SpiderCore.Attachment(containerID: "c\(step)", interface: "eth0"), podNamespace: "ns", podName: "p\(step)")
                #expect(try store.ledger.reserve(AllocationRecord(pool: "runs", address: address, owner: owner)))
            }
            for limit in [1, 5] {
                let indexed = try #require(try store.ledger.occupancy(of: "runs", for: request, limit: limit) { _ in available })
                let computed = PoolOccupancy(pool: pool, records: try store.ledger.records(pool: "runs"), request: request, available: available, limit: limit)
                #expect(indexed.free == computed.free, "seed \(seed) step \(step) limit \(limit)")
                if indexed.free.isEmpty { #expect(indexed.parked == computed.parked, "seed \(seed) step \(step)") }
            }
        }
        let report = try store.ledger.check()
        #expect(report.isSound, "\(report.problems)")
    }

    @Test("a full pool, then every address given back: the index is empty and the lowest address is free again")
    func fillAndDrain() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(SpiderIPPool(name: "runs", subnet: "10.61.0.0/24", ips: ["10.61.0.10-10.61.0.30"]))
        var taken: [SpiderCore.Attachment] = []
        for index in 0..<21 {
            var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: "c\(index)", interface: "eth0"))
            request.podPools = PoolChoice(ipv4: ["runs"])
            #expect(try store.service.allocate(request).addresses.first?.address.description == "10.61.0.\(10 + index)/24")
            taken.append(request.attachment)
        }
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: "late", interface: "eth0"))
        request.podPools = PoolChoice(ipv4: ["runs"])
        #expect(throws: IPAMError.self) { try store.service.allocate(request) }
        for attachment in taken.shuffled() { #expect(try store.service.release(attachment).count == 1) }
        #expect(try store.service.allocate(request).addresses.first?.address.description == "10.61.0.10/24")
        #expect(try store.ledger.check().isSound)
    }

    @Test("the write-ahead log stays short: 300 writes leave at most about 128 pages in it, not SQLite's 1,000")
    func shortLog() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(SpiderIPPool(name: "runs", subnet: "10.62.0.0/24", ips: ["10.62.0.10-10.62.0.250"]))
        for index in 0..<150 {
            var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: "c\(index)", interface: "eth0"))
            request.podPools = PoolChoice(ipv4: ["runs"])
            _ = try store.service.allocate(request)
            #expect(try store.service.release(request.attachment).count == 1)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: store.root + "/store.db-wal")[.size] as? Int) ?? 0
        // 128 pages of 4 KiB and their frame headers, plus the pages of the write that passed the limit.
        #expect(size <= 140 * (4096 + 24) + 32, "the log holds \(size) bytes")
    }
}
