import Foundation
import Synchronization
import Testing
import SpiderCore
import SpiderEmbeddedLedger
import LedgerTestSupport

/// The back-off after a lost compare-and-swap is the ledger's: `IPAMService` asks the ledger to
/// pause only when its writes are optimistic, `AnyLedger` passes the call on, and ledgers that
/// lock (the embedded one) neither race nor pause.
@Suite("ledger back-off after a lost race")
struct LedgerPauseTests {
    /// An embedded ledger whose first `losses` reservations are lost to an imagined rival,
    /// recording the pauses asked of it.
    final class RacingLedger: ForwardingLedger, @unchecked Sendable {
        let base: EmbeddedLedger
        let optimistic: Bool
        let lossesLeft: Mutex<Int>
        let pauses = Mutex<[Int]>([])

        init(_ base: EmbeddedLedger, losses: Int, optimistic: Bool) {
            self.base = base
            self.optimistic = optimistic
            lossesLeft = Mutex(losses)
        }

        var hasOptimisticWrites: Bool { optimistic }
        func pause(afterAttempt attempt: Int) { pauses.withLock { $0.append(attempt) } }

        func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
            let lost = lossesLeft.withLock { left in
                defer { left -= 1 }
                return left > 0
            }
            return lost ? false : try base.reserve(record)
        }
    }

    static func scratch() throws -> (root: String, ledger: EmbeddedLedger) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("spiderpool-pause-\(UUID().uuidString)").path
        let ledger = try EmbeddedLedger(root: root)
        _ = try IPAMService(ledger: ledger).apply([.ipPool(SpiderIPPool(name: "p", subnet: "10.7.0.0/24", ips: ["10.7.0.10-10.7.0.40"]))])
        return (root, ledger)
    }

    static func request() throws -> AllocationRequest {
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: "racer", interface: "eth0"))
        request.podPools = PoolChoice(ipv4: ["p"])
        return request
    }

    @Test("three lost races: three pauses, attempts 0, 1, 2, through AnyLedger; then the address")
    func pausesAfterLostRaces() throws {
        let (root, embedded) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let racing = RacingLedger(embedded, losses: 3, optimistic: true)
        let result = try IPAMService(ledger: AnyLedger(racing)).allocate(try Self.request())
        #expect(result.addresses.count == 1)
        #expect(racing.pauses.withLock { $0 } == [0, 1, 2])
    }

    @Test("a ledger without optimistic writes is not asked to pause")
    func noPauseWhenLocking() throws {
        let (root, embedded) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let racing = RacingLedger(embedded, losses: 2, optimistic: false)
        _ = try IPAMService(ledger: racing).allocate(try Self.request())
        #expect(racing.pauses.withLock { $0 }.isEmpty)
    }

    @Test("every race lost: as many pauses as attempts, then the store is called unavailable")
    func allLost() throws {
        let (root, embedded) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let racing = RacingLedger(embedded, losses: .max, optimistic: true)
        var service = IPAMService(ledger: racing)
        service.maxAttempts = 5
        #expect(throws: IPAMError.self) { _ = try service.allocate(try Self.request()) }
        #expect(racing.pauses.withLock { $0 } == [0, 1, 2, 3, 4])
    }

    @Test("the embedded ledger locks: no optimistic writes, and its pause returns at once")
    func embeddedLedgerDoesNotRace() throws {
        let (root, embedded) = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(embedded.hasOptimisticWrites == false)
        #expect(AnyLedger(embedded).hasOptimisticWrites == false)
        let elapsed = ContinuousClock().measure { for attempt in 0..<1000 { AnyLedger(embedded).pause(afterAttempt: attempt) } }
        #expect(elapsed < .milliseconds(100))
    }
}
