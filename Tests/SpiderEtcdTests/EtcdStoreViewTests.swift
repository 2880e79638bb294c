import EtcdTestSupport
import Foundation
import SpiderCore
import SpiderEtcd
import Testing

/// The agent's copy of an etcd store: allocation from it gives the plain ledger's answers, and
/// the transaction, not the copy, decides.
@Suite("etcd store view", .etcd)
struct EtcdStoreViewTests {
    /// How long a view may take to go live or down. Generous: the view runs on Swift's
    /// cooperative threads, which the synchronous tests of the same process (the soak, the quick
    /// start) can keep busy for a minute on a 2-core machine.
    static let patience: Duration = .seconds(240)

    /// A live view of the store under `prefix`, followed until the returned task is cancelled.
    static func liveView(_ prefix: String) async throws -> (EtcdStoreView, Task<Void, Never>) {
        let view = try EtcdStoreView(ledger: EtcdLedgerTests.ledger(prefix))
        let task = Task { await view.run() }
        let deadline = ContinuousClock.now + Self.patience
        while !view.isLive {
            guard ContinuousClock.now < deadline else { task.cancel(); throw ViewNotLive(description: "the view did not go live: \(view.lastFailure ?? "")") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (view, task)
    }

    /// Waits until the view has seen the last change of the record of `address` in `pool`.
    static func catchUp(_ view: EtcdStoreView, to ledger: EtcdLedger, pool: String, address: String) async throws {
        let key = "\(ledger.store.prefix)/records/\(pool)/\(address)"
        let target = try #require(try ledger.client.get(key)).modRevision
        let deadline = ContinuousClock.now + Self.patience
        while view.revision < target && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    static let subnet = IPRangeSet(parsingOrEmpty: "10.9.1.1-10.9.1.20")

    static func request(_ id: String, pod: String, uid: String = "", pool: String = "v") throws -> AllocationRequest {
        var request = try EtcdLedgerTests.request(id, pool)
        request.podNamespace = "ns"
        request.podName = pod
        request.podUID = uid
        return request
    }

    @Test("lowest address, a repeated ADD, an earlier sandbox taken over, a parked sticky address reused")
    func sameAnswers() async throws {
        let plain = try EtcdLedgerTests.ledger("view-answers")
        try IPAMService(ledger: plain).apply(EtcdLedgerTests.pool("v", "10.9.0.0/24", "10.9.0.1-10.9.0.20"))
        let (view, task) = try await Self.liveView("view-answers")
        defer { task.cancel() }
        func service() -> IPAMService<ViewedEtcdLedger> { IPAMService(ledger: ViewedEtcdLedger(view: view)) }

        let first = try service().allocate(Self.request("a1", pod: "a", uid: "ua"))
        #expect(first.addresses.map(\.address.description) == ["10.9.0.1/24"])
        // A repeated ADD of the same attachment: the same address.
        #expect(try service().allocate(Self.request("a1", pod: "a", uid: "ua")).addresses == first.addresses)
        let second = try service().allocate(Self.request("b1", pod: "b", uid: "ub"))
        #expect(second.addresses.map(\.address.description) == ["10.9.0.2/24"])
        // A new sandbox of Pod a (same UID) takes a1's address over.
        let sandbox = try service().allocate(Self.request("a2", pod: "a", uid: "ua"))
        #expect(sandbox.addresses == first.addresses)
        // A sticky Pod's address is parked at DEL and reused by its next incarnation.
        let sticky = try service().allocate(Self.request("s1", pod: "db-0", uid: "u1"))
        try IPAMService(ledger: plain).release(try SpiderCore.Attachment(containerID: "s1", interface: "eth0"), sticky: .always)
        try await Self.catchUp(view, to: plain, pool: "v", address: "10.9.0.3")
        let other = try service().allocate(Self.request("c1", pod: "c", uid: "uc"))
        #expect(other.addresses != sticky.addresses, "a parked address is not handed to another Pod while others are free")
        let again = try service().allocate(Self.request("s2", pod: "db-0", uid: "u2"))
        #expect(again.addresses == sticky.addresses)
        #expect(try plain.audit().isEmpty)
        let held = try plain.allRecords().map { "\($0.owner.containerID) \($0.address)" }.sorted()
        #expect(held == ["a2 10.9.0.1", "b1 10.9.0.2", "c1 10.9.0.4", "s2 10.9.0.3"])
        #expect(view.resyncs == 1, "one read, then the watch")
    }

    @Test("a lost watch (etcd killed and restarted) is followed again from a fresh read; meanwhile calls read etcd")
    func lostWatch() async throws {
        let etcd = try EtcdServer(name: "view-lost")
        defer { etcd.stop() }
        let plain = try EtcdLedger(store: EtcdStore(parsing: etcd.store(prefix: "/lost")))
        try IPAMService(ledger: plain).apply(EtcdLedgerTests.pool("v", "10.9.2.0/24", "10.9.2.1-10.9.2.20"))
        let view = try EtcdStoreView(ledger: EtcdLedger(store: EtcdStore(parsing: etcd.store(prefix: "/lost"))))
        let task = Task { await view.run() }
        defer { task.cancel() }
        func waitFor(_ live: Bool) async throws {
            let deadline = ContinuousClock.now + Self.patience
            while view.isLive != live {
                guard ContinuousClock.now < deadline else { throw ViewNotLive(description: "the view is not \(live ? "live" : "down"): \(view.lastFailure ?? "")") }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await waitFor(true)
        etcd.kill()
        try await waitFor(false)
        try etcd.start()
        // Written before the view is back: it must be in the fresh read.
        #expect(try plain.reserve(AllocationRecord(pool: "v", address: IPAddress("10.9.2.1")!, owner: try EtcdLedgerTests.owner("early"))))
        try await waitFor(true)
        #expect(view.resyncs >= 2)
        let result = try IPAMService(ledger: ViewedEtcdLedger(view: view)).allocate(Self.request("after", pod: "after", pool: "v"))
        // 10.9.2.2 when the copy already shows "early"; if the watch has not brought it yet, the
        // transaction refuses 10.9.2.1 and the retry picks among the lowest free: never 10.9.2.1.
        let address = try #require(result.addresses.first?.address.address)
        #expect(address != IPAddress("10.9.2.1")!)
        #expect(try plain.allRecords().map(\.address).sorted() == [IPAddress("10.9.2.1")!, address])
    }

    @Test("a copy that is behind loses the transaction and the call reads etcd itself: never a duplicate")
    func staleCopy() async throws {
        let plain = try EtcdLedgerTests.ledger("view-stale")
        try IPAMService(ledger: plain).apply(EtcdLedgerTests.pool("v", "10.9.1.0/24", "10.9.1.1-10.9.1.20"))
        let (view, task) = try await Self.liveView("view-stale")
        defer { task.cancel() }
        let viewed = ViewedEtcdLedger(view: view)
        let request = try Self.request("x", pod: "x")
        let occupancy = try #require(try viewed.occupancy(of: "v", for: request, limit: 1, available: { _ in Self.subnet }))
        let chosen = try #require(occupancy.free.first)
        // Another node takes that address before this call writes.
        #expect(try plain.reserve(AllocationRecord(pool: "v", address: chosen, owner: try EtcdLedgerTests.owner("other"))))
        #expect(try !viewed.reserve(AllocationRecord(pool: "v", address: chosen, owner: request.owner)))
        #expect(viewed.readsDirectly, "after a lost reservation the call reads etcd")
        // A pool changed since the copy was read: the reservation fails even for a free address.
        let second = ViewedEtcdLedger(view: view)
        let seen = try #require(try second.occupancy(of: "v", for: try Self.request("y", pod: "y"), limit: 4, available: { _ in Self.subnet }))
        guard case .ipPool(let widened) = try EtcdLedgerTests.pool("v", "10.9.1.0/24", "10.9.1.1-10.9.1.30")[0] else { return }
        try plain.putPool(widened)
        let free = try #require(seen.free.last)
        #expect(try !second.reserve(AllocationRecord(pool: "v", address: free, owner: try EtcdLedgerTests.owner("y"))))
        // The whole ADD still succeeds, on an address nobody holds.
        let result = try IPAMService(ledger: ViewedEtcdLedger(view: view)).allocate(Self.request("z", pod: "z"))
        let address = try #require(result.addresses.first?.address.address)
        #expect(address != chosen)
        #expect(try plain.allRecords().filter { $0.address == address }.count == 1)
    }
}

extension IPRangeSet {
    init(parsingOrEmpty text: String) {
        self = (try? IPRangeSet(parsing: [text])) ?? IPRangeSet()
    }
}

struct ViewNotLive: Error, CustomStringConvertible { let description: String }
