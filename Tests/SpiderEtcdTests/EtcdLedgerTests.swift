import EtcdTestSupport
import Foundation
import SpiderCore
import SpiderCNI
import SpiderYAML
import SpiderEtcd
import Synchronization
import Testing

/// The etcd ledger against a real etcd (one per suite; each test under its own key prefix).
@Suite("etcd ledger", .etcd)
struct EtcdLedgerTests {
    static func ledger(_ prefix: String) throws -> EtcdLedger {
        try EtcdLedger(store: EtcdStore(parsing: try EtcdServer.shared().store(prefix: "/" + prefix)))
    }

    static func pool(_ name: String, _ subnet: String, _ ips: String, gateway: String? = nil) throws -> [ManifestDocument] {
        var text = "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: \(name)\nspec:\n  subnet: \(subnet)\n  ips:\n  - \(ips)\n"
        if let gateway { text += "  gateway: \(gateway)\n" }
        return try ManifestDocument.parse(text)
    }

    static func owner(_ id: String, _ interface: String = "eth0", node: String = "n1", pod: String = "") throws -> AllocationOwner {
        AllocationOwner(attachment: try SpiderCore.Attachment(containerID: id, interface: interface), podNamespace: pod.isEmpty ? "" : "ns",
                        podName: pod, node: node)
    }

    static func request(_ id: String, _ pool: String, node: String = "n1") throws -> AllocationRequest {
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: id, interface: "eth0"))
        request.podPools = PoolChoice(ipv4: [pool])
        request.nodeName = node
        return request
    }

    @Test("reserve is a compare-and-swap: free address, existing pool, one address per attachment and pool")
    func reserveRules() throws {
        let ledger = try Self.ledger("reserve")
        let service = IPAMService(ledger: ledger)
        try service.apply(Self.pool("r", "10.1.0.0/24", "10.1.0.1-10.1.0.9"))
        let a = AllocationRecord(pool: "r", address: IPAddress("10.1.0.1")!, owner: try Self.owner("a"))
        #expect(try ledger.reserve(a))
        #expect(try !ledger.reserve(AllocationRecord(pool: "r", address: a.address, owner: try Self.owner("b"))), "a taken address")
        #expect(try !ledger.reserve(AllocationRecord(pool: "r", address: IPAddress("10.1.0.2")!, owner: a.owner)),
                "a second address for the same attachment in the same pool")
        #expect(try !ledger.reserve(AllocationRecord(pool: "gone", address: IPAddress("10.1.0.3")!, owner: try Self.owner("c"))),
                "a pool that does not exist")
        #expect(try ledger.records(pool: "r") == [a])
        #expect(try ledger.records(of: a.owner.attachment) == [a])
        #expect(try ledger.allRecords() == [a])
        #expect(try ledger.audit().isEmpty)
    }

    @Test("release and transfer happen only while the attachment still holds the record")
    func ownership() throws {
        let ledger = try Self.ledger("owner")
        try IPAMService(ledger: ledger).apply(Self.pool("o", "10.2.0.0/24", "10.2.0.1-10.2.0.9"))
        let record = AllocationRecord(pool: "o", address: IPAddress("10.2.0.5")!, owner: try Self.owner("a"))
        #expect(try ledger.reserve(record))
        let stranger = AllocationRecord(pool: "o", address: record.address, owner: try Self.owner("b"))
        #expect(try !ledger.release(stranger))
        #expect(try !ledger.transfer(stranger, to: try Self.owner("c")))
        #expect(try ledger.records(pool: "o") == [record])

        let next = try Self.owner("b", "net1", pod: "web-0")
        #expect(try ledger.transfer(record, to: next))
        #expect(try ledger.records(of: record.owner.attachment).isEmpty)
        #expect(try ledger.records(of: next.attachment).map(\.owner) == [next])
        #expect(try ledger.audit().isEmpty)
        #expect(try !ledger.release(record), "the old holder no longer holds it")
        #expect(try ledger.release(AllocationRecord(pool: "o", address: record.address, owner: next)))
        #expect(try ledger.allRecords().isEmpty)
        #expect(try !ledger.release(AllocationRecord(pool: "o", address: record.address, owner: next)), "already released")
        #expect(try ledger.audit().isEmpty)
    }

    @Test("IPAM lifecycle: idempotent ADD, DEL twice, pool deletion with its records")
    func lifecycle() throws {
        let ledger = try Self.ledger("life")
        let service = IPAMService(ledger: ledger)
        #expect(try service.apply(Self.pool("l", "10.3.0.0/24", "10.3.0.10-10.3.0.12", gateway: "10.3.0.1")) == ["spiderippool/l created"])
        #expect(try service.apply(Self.pool("l", "10.3.0.0/24", "10.3.0.10-10.3.0.12", gateway: "10.3.0.1")) == ["spiderippool/l unchanged"])
        let first = try service.allocate(Self.request("c1", "l"))
        #expect(first.addresses.map(\.address.description) == ["10.3.0.10/24"])
        #expect(first.addresses.first?.gateway == IPAddress("10.3.0.1"))
        #expect(try service.allocate(Self.request("c1", "l")) == first, "a repeated ADD answers the same")
        #expect(try service.allocate(Self.request("c2", "l")).addresses.map(\.address.description) == ["10.3.0.11/24"])
        #expect(try service.release(Self.request("c1", "l").attachment).map(\.address.description) == ["10.3.0.10"])
        #expect(try service.release(Self.request("c1", "l").attachment).isEmpty, "DEL twice")
        #expect(throws: IPAMError.self) { try service.deletePool(named: "l") }
        try service.deletePool(named: "l", force: true)
        #expect(try ledger.allRecords().isEmpty)
        #expect(try ledger.pools().isEmpty)
        #expect(try ledger.audit().isEmpty)
        let keys = try ledger.client.range(prefix: "/life/").map(\.key)
        #expect(keys.isEmpty, "keys left after deleting the pool: \(keys)")
    }

    @Test("GC on a shared ledger releases only its own node's stale records")
    func nodeScopedGC() throws {
        let ledger = try Self.ledger("gc")
        let service = IPAMService(ledger: ledger)
        try service.apply(Self.pool("g", "10.4.0.0/24", "10.4.0.1-10.4.0.50"))
        for id in ["a1", "a2", "a3"] { _ = try service.allocate(Self.request(id, "g", node: "node-a")) }
        for id in ["b1", "b2", "b3"] { _ = try service.allocate(Self.request(id, "g", node: "node-b")) }
        let valid: Set<SpiderCore.Attachment> = [try SpiderCore.Attachment(containerID: "b1", interface: "eth0")]
        let released = try service.collectGarbage(valid: valid, node: "node-b")
        #expect(Set(released.map(\.owner.containerID)) == ["b2", "b3"])
        #expect(Set(try ledger.allRecords().map(\.owner.containerID)) == ["a1", "a2", "a3", "b1"])
        #expect(try ledger.audit().isEmpty)
    }

    @Test("an unreachable etcd is 'try again later' (code 11) naming the endpoint, and nothing is written")
    func unreachable() throws {
        let port = try EtcdServer.shared().clientPort
        let dead = try EtcdLedger(store: EtcdStore(parsing: "etcd://127.0.0.1:1/x"))
        let request = try Self.request("u1", "any")
        do throws(IPAMError) {
            _ = try IPAMService(ledger: dead).allocate(request)
            Issue.record("allocation against a closed port succeeded")
        } catch {
            #expect(CNIError.code(for: error) == 11, "\(error)")
            #expect(error.description.contains("127.0.0.1:1"), "\(error)")
        }
        // A dead first endpoint is skipped.
        let failover = try EtcdLedger(store: EtcdStore(parsing: "etcd://127.0.0.1:1,127.0.0.1:\(port)/failover"))
        try IPAMService(ledger: failover).apply(Self.pool("f", "10.5.0.0/24", "10.5.0.1-10.5.0.2"))
        #expect(try IPAMService(ledger: failover).allocate(Self.request("f1", "f")).addresses.count == 1)
    }

    @Test("4 allocators × 64 ADDs on one pool in parallel: 256 distinct addresses, a sound ledger")
    func parallelAllocators() async throws {
        let store = try EtcdStore(parsing: try EtcdServer.shared().store(prefix: "/parallel"))
        try IPAMService(ledger: EtcdLedger(store: store)).apply(Self.pool("par", "10.6.0.0/16", "10.6.0.1-10.6.1.44"))
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for node in 0..<4 {
                group.addTask {
                    // Each "node" its own client and connections.
                    let service = IPAMService(ledger: try EtcdLedger(store: store))
                    var addresses: [String] = []
                    for index in 0..<64 {
                        let result = try service.allocate(Self.request("n\(node)-c\(index)", "par", node: "node-\(node)"))
                        addresses += result.addresses.map(\.address.description)
                    }
                    return addresses
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 256)
        #expect(Set(results).count == 256, "duplicates: \(Dictionary(grouping: results, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        let ledger = try EtcdLedger(store: store)
        #expect(try ledger.records(pool: "par").count == 256)
        #expect(try ledger.audit().isEmpty)
    }

    @Test("pool management holds a store lock on a lease: concurrent holders never overlap")
    func storeLock() async throws {
        let store = try EtcdStore(parsing: try EtcdServer.shared().store(prefix: "/lock"))
        final class Counters: Sendable {
            let inside = Mutex(0)
            let overlaps = Mutex(0)
        }
        let counters = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let ledger = try EtcdLedger(store: store)
                    for _ in 0..<3 {
                        try ledger.withStoreLock { () throws(IPAMError) in
                            if counters.inside.withLock({ $0 += 1; return $0 }) > 1 { counters.overlaps.withLock { $0 += 1 } }
                            Thread.sleep(forTimeInterval: 0.01)
                            counters.inside.withLock { $0 -= 1 }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counters.overlaps.withLock { $0 } == 0)
        #expect(try EtcdLedger(store: store).client.get("/lock/locks/store") == nil, "the lock is released")
    }

    @Test("a ledger's incremental view of a pool stays exact through other nodes' reservations, transfers and releases")
    func incrementalView() throws {
        let mine = try Self.ledger("view"), theirs = try Self.ledger("view")
        try IPAMService(ledger: mine).apply(Self.pool("v", "10.8.0.0/24", "10.8.0.1-10.8.0.50"))
        func record(_ last: Int, _ id: String) throws -> AllocationRecord {
            AllocationRecord(pool: "v", address: IPAddress("10.8.0.\(last)")!, owner: try Self.owner(id))
        }
        #expect(try mine.poolRecords("v") == [])
        for (last, id) in [(1, "a"), (2, "b"), (3, "c")] { #expect(try theirs.reserve(record(last, id))) }
        #expect(try mine.poolRecords("v") == theirs.records(pool: "v"), "after three reservations elsewhere")
        #expect(try theirs.release(record(2, "b")))
        #expect(try theirs.reserve(record(4, "d")))
        #expect(try mine.poolRecords("v") == theirs.records(pool: "v"), "a release hidden behind a reservation")
        #expect(try theirs.transfer(record(1, "a"), to: try Self.owner("z")))
        #expect(try mine.poolRecords("v") == theirs.records(pool: "v"), "a transfer")
        #expect(try theirs.release(record(3, "c")))
        #expect(try theirs.reserve(record(3, "e")))
        #expect(try mine.poolRecords("v") == theirs.records(pool: "v"), "an address released and taken again")
        try IPAMService(ledger: theirs).deletePool(named: "v", force: true)
        #expect(try mine.poolRecords("v") == nil, "the pool is gone")
    }

    @Test("TLS with a client certificate: allocation works; without the CA or the certificate a clear error")
    func mutualTLS() throws {
        let server = try EtcdServer(name: "tls", tls: true)
        defer { server.stop() }
        let files = try #require(server.certificates)
        let ledger = try EtcdLedger(store: EtcdStore(parsing: server.store(prefix: "/tls"), tls: files.clientTLS))
        try IPAMService(ledger: ledger).apply(Self.pool("t", "10.9.0.0/24", "10.9.0.1-10.9.0.9"))
        #expect(try IPAMService(ledger: ledger).allocate(Self.request("t1", "t")).addresses.map(\.address.description) == ["10.9.0.1/24"])

        let noCertificate = try EtcdLedger(store: EtcdStore(parsing: server.store(prefix: "/tls"), tls: .init(caFile: files.ca)))
        do {
            _ = try noCertificate.pools()
            Issue.record("etcd accepted a client without a certificate")
        } catch {
            #expect(CNIError.code(for: error) == 104 && error.description.contains("TLS handshake failed"), "\(error)")
        }
        let plain = try EtcdLedger(store: EtcdStore(parsing: server.store(prefix: "/tls")))
        do {
            _ = try plain.pools()
            Issue.record("plain HTTP to an HTTPS etcd succeeded")
        } catch {
            #expect(error.description.contains(server.endpoint), "\(error)")
        }
        #expect(throws: IPAMError.self) {
            try EtcdLedger(store: EtcdStore(parsing: server.store(), tls: .init(caFile: "/nonexistent/ca.crt")))
        }
    }

    @Test("audit finds, and sweep repairs, index entries without records and records without entries")
    func auditAndSweep() throws {
        let ledger = try Self.ledger("audit")
        try IPAMService(ledger: ledger).apply(Self.pool("au", "10.7.0.0/24", "10.7.0.1-10.7.0.9"))
        let record = AllocationRecord(pool: "au", address: IPAddress("10.7.0.3")!, owner: try Self.owner("a"))
        #expect(try ledger.reserve(record))
        // Damage it by hand, as an operator with etcdctl could.
        try ledger.client.put("/audit/owners/ghost/eth0/au@10.7.0.4", "")
        _ = try ledger.client.txn([], success: [.delete(key: "/audit/owners/a/eth0/au@10.7.0.3")])
        let problems = try ledger.audit()
        #expect(problems.count == 2, "\(problems)")
        try ledger.sweep()
        #expect(try ledger.audit().isEmpty)
        #expect(try ledger.records(of: record.owner.attachment) == [record])
    }
}
