import Foundation
import SpiderCore
import SpiderEmbeddedLedger
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Pool changes and allocations are ordered against each other (issue 16, item 7). Each test
/// widens the window on purpose: the allocation runs in this process over a ledger that stops at
/// a chosen point (inside its write transaction, or between its first read and the transaction)
/// while a real `spiderctl` process changes the pool.
@Suite("store: pool changes against allocations", .serialized)
struct StoreRaceTests {
    static let pool = "race"

    static func manifest(ips: String) -> String {
        """
        apiVersion: spiderpool.spidernet.io/v2beta1
        kind: SpiderIPPool
        metadata:
          name: \(pool)
        spec:
          subnet: 10.40.0.0/24
          ips:
          - \(ips)

        """
    }

    static func request(_ id: String) throws -> AllocationRequest {
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: id, interface: "eth0"))
        request.podPools = PoolChoice(ipv4: [pool])
        return request
    }

    static func apply(_ workspace: CNIWorkspace, ips: String, name: String) throws -> CLIRunner.Result {
        let file = workspace.io + "/\(name).yaml"
        try Data(manifest(ips: ips).utf8).write(to: URL(fileURLWithPath: file))
        return try CLIRunner.run(["pool", "apply", "-f", file, "--store", workspace.store])
    }

    /// Starts `spiderctl ARGUMENTS` and returns once it waits for the store's write lock, which
    /// this process holds (seen in /proc/locks).
    static func startQueued(_ arguments: [String], store: String) throws -> Process {
        var info = stat()
        try #require(stat(store + "/store.lock", &info) == 0, "no \(store)/store.lock")
        let process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = arguments
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ProcessBatch.waiters(inode: UInt64(info.st_ino)) < 1 {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw StressFailure("spiderctl \(arguments) never queued on the store's lock")
            }
            usleep(5_000)
        }
        return process
    }

    static func failure(_ body: () throws(IPAMError) -> Void) -> IPAMError? {
        do { try body() } catch { return error }
        return nil
    }

    static func finish(_ process: Process) -> CLIRunner.Result {
        let out = (process.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let err = (process.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        return CLIRunner.Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                                stderr: String(decoding: err, as: UTF8.self))
    }

    // MARK: pool delete

    @Test("an allocate holding the store when pool delete comes: the allocate wins, the delete is refused (addresses in use)")
    func allocateBeatsDelete() throws {
        let workspace = try CNIWorkspace("race-delete-first")
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        let hooks = RaceHooks()
        var deleter: Process?
        hooks.insideLock = { deleter = try Self.startQueued(["pool", "delete", Self.pool, "--store", workspace.store], store: workspace.store) }
        let ledger = WidenedLedger(base: try EmbeddedLedger(root: workspace.store), hooks: hooks)
        let result = try IPAMService(ledger: ledger).allocate(try Self.request("c1"))
        #expect(result.addresses.map(\.address.description) == ["10.40.0.10/24"])
        let deleted = Self.finish(try #require(deleter))
        #expect(deleted.status == 1 && deleted.stderr.contains("cannot delete IPPool \(Self.pool) with allocated IPs(1)"), "\(deleted)")
        #expect(try workspace.holdings()["c1/eth0"]?.ipv4 == "10.40.0.10/24")
        #expect(try CLIRunner.run(["pool", "get", Self.pool, "--store", workspace.store]).status == 0)
    }

    @Test("a pool delete between an allocate's first read and its transaction: the allocate fails naming the missing pool")
    func deleteBeatsAllocate() throws {
        let workspace = try CNIWorkspace("race-delete-second")
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        let hooks = RaceHooks()
        hooks.afterView = {
            let deleted = try CLIRunner.run(["pool", "delete", Self.pool, "--store", workspace.store])
            #expect(deleted.status == 0, "\(deleted)")
        }
        let ledger = WidenedLedger(base: try EmbeddedLedger(root: workspace.store), hooks: hooks)
        let request = try Self.request("c1")
        let failure = Self.failure { () throws(IPAMError) in _ = try IPAMService(ledger: ledger).allocate(request) }
        #expect(failure == .poolNotFound(Self.pool), "\(String(describing: failure))")
        #expect(try workspace.holdings().isEmpty, "no record may outlive its pool")
        // Re-applying the pool starts it empty: the next Pod gets the first address, held by no one.
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        #expect(try IPAMService(ledger: try EmbeddedLedger(root: workspace.store)).allocate(try Self.request("c2")).addresses
            .map(\.address.description) == ["10.40.0.10/24"])
    }

    // MARK: pool apply that shrinks ips

    @Test("an allocate holding the store when a shrinking apply comes: the apply is refused, re-applying the old manifest works")
    func allocateBeatsShrink() throws {
        let workspace = try CNIWorkspace("race-shrink-first")
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        let hooks = RaceHooks()
        var applier: Process?
        let shrunk = workspace.io + "/shrunk.yaml"
        try Data(Self.manifest(ips: "10.40.0.15-10.40.0.20").utf8).write(to: URL(fileURLWithPath: shrunk))
        hooks.insideLock = { applier = try Self.startQueued(["pool", "apply", "-f", shrunk, "--store", workspace.store], store: workspace.store) }
        let ledger = WidenedLedger(base: try EmbeddedLedger(root: workspace.store), hooks: hooks)
        let result = try IPAMService(ledger: ledger).allocate(try Self.request("c1"))
        #expect(result.addresses.map(\.address.description) == ["10.40.0.10/24"])
        let applied = Self.finish(try #require(applier))
        #expect(applied.status == 1 && applied.stderr.contains("10.40.0.10 that is being used"), "\(applied)")
        let again = try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool")
        #expect(again.status == 0 && again.lines == ["spiderippool/\(Self.pool) unchanged"], "\(again)")
    }

    @Test("a shrinking apply between an allocate's first read and its transaction: the address comes from the new ips")
    func shrinkBeatsAllocate() throws {
        let workspace = try CNIWorkspace("race-shrink-second")
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        let hooks = RaceHooks()
        hooks.afterView = {
            let applied = try Self.apply(workspace, ips: "10.40.0.15-10.40.0.20", name: "shrunk")
            #expect(applied.status == 0 && applied.lines == ["spiderippool/\(Self.pool) configured"], "\(applied)")
        }
        let ledger = WidenedLedger(base: try EmbeddedLedger(root: workspace.store), hooks: hooks)
        let result = try IPAMService(ledger: ledger).allocate(try Self.request("c1"))
        #expect(result.addresses.map(\.address.description) == ["10.40.0.15/24"])
        let again = try Self.apply(workspace, ips: "10.40.0.15-10.40.0.20", name: "shrunk")
        #expect(again.status == 0 && again.lines == ["spiderippool/\(Self.pool) unchanged"], "\(again)")
        let check = try CLIRunner.run(["store", "check", "--store", workspace.store])
        #expect(check.status == 0, "\(check)")
    }

    @Test("a fixed-IP allocate after its address left the pool's ips: refused as outside every pool, nothing stored")
    func shrinkBeatsFixedAllocate() throws {
        let workspace = try CNIWorkspace("race-shrink-fixed")
        #expect(try Self.apply(workspace, ips: "10.40.0.10-10.40.0.20", name: "pool").status == 0)
        let hooks = RaceHooks()
        hooks.afterView = { () throws in
            let applied = try Self.apply(workspace, ips: "10.40.0.15-10.40.0.20", name: "shrunk")
            #expect(applied.status == 0, "\(applied)")
        }
        let ledger = WidenedLedger(base: try EmbeddedLedger(root: workspace.store), hooks: hooks)
        var request = try Self.request("c1")
        request.fixedAddresses = [try #require(IPAddress("10.40.0.11"))]
        let failure = Self.failure { () throws(IPAMError) in _ = try IPAMService(ledger: ledger).allocate(request) }
        #expect(failure?.description.contains("requested IP 10.40.0.11 is not inside any candidate IPPool") == true, "\(String(describing: failure))")
        #expect(try workspace.holdings().isEmpty)
    }
}

/// Where a ``WidenedLedger`` stops, each hook once.
final class RaceHooks: @unchecked Sendable {
    /// Runs when the ADD has read the pools (before any lock).
    var afterView: (() throws -> Void)?
    /// Runs inside the first pool lock (the store's write transaction), before the ADD reads.
    var insideLock: (() throws -> Void)?

    func fire(_ hook: ReferenceWritableKeyPath<RaceHooks, (() throws -> Void)?>) throws(IPAMError) {
        guard let body = self[keyPath: hook] else { return }
        self[keyPath: hook] = nil
        do { try body() } catch { throw .store("test hook: \(error)") }
    }
}

/// The embedded ledger with a stop at the hooks' points; everything else is forwarded but
/// `withTransaction`: the ADD then runs as over a ledger without one, so the window between its
/// first read and its pool lock exists, and the test can hold it open.
struct WidenedLedger: ForwardingLedger {
    let base: EmbeddedLedger
    let hooks: RaceHooks

    func allocationView(for attachment: SpiderCore.Attachment) throws(IPAMError) -> AllocationView {
        let view = try base.allocationView(for: attachment)
        try hooks.fire(\.afterView)
        return view
    }

    func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try base.withPoolLock(pool) { () throws(IPAMError) -> T in
            try hooks.fire(\.insideLock)
            return try body()
        }
    }

    // The embedded ledger's own answers, so that the race runs through its index and its
    // reading of the pool as stored now.
    func pool(named name: String) throws(IPAMError) -> SpiderIPPool? { try base.pool(named: name) }
    func record(in pool: String, at address: IPAddress) throws(IPAMError) -> AllocationRecord? { try base.record(in: pool, at: address) }
    func occupancy(of pool: String, for request: AllocationRequest, limit: Int,
                   available: (SpiderIPPool) -> IPRangeSet?) throws(IPAMError) -> PoolOccupancy? {
        try base.occupancy(of: pool, for: request, limit: limit, available: available)
    }
    func unreadableDocuments() throws(IPAMError) -> [UnreadableDocument] { try base.unreadableDocuments() }
}
