@testable import SpiderEtcd
import Testing

/// The etcd ledger's jittered back-off: its ceilings, and that it sleeps (through `nanosleep`)
/// no longer than them.
@Suite("etcd back-off pauses")
struct RetryPauseTests {
    @Test("after a lost race: 1 ms doubling per attempt, at most 32 ms")
    func lostRaceCeilings() {
        let ceilings = (-1...8).map { RetryPause.lostRace.ceiling(afterAttempt: $0) }
        #expect(ceilings == [1, 1, 2, 4, 8, 16, 32, 32, 32, 32].map { Duration.milliseconds($0) })
        #expect(RetryPause.lostRace.ceiling(afterAttempt: .max) == .milliseconds(32))
    }

    @Test("waiting for the store lock: 1 ms doubling per attempt, at most 250 ms")
    func lockWaitCeilings() {
        let ceilings = (0...9).map { RetryPause.lockWait.ceiling(afterAttempt: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 250, 250].map { Duration.milliseconds($0) })
    }

    @Test("a pause sleeps, and not longer than its ceiling (with slack for a loaded machine)")
    func sleepsWithinCeiling() {
        let clock = ContinuousClock()
        let fixed = clock.measure { RetryPause.sleep(nanoseconds: 3_000_000) }
        #expect(fixed >= .milliseconds(3))
        let pauses = clock.measure { for _ in 0..<10 { RetryPause.lostRace.sleep(afterAttempt: 1) } }
        #expect(pauses < .milliseconds(20 + 500))
    }

    @Test("the ledger's pause is the lost-race pause")
    func ledgerPause() throws {
        let ledger = try EtcdLedger(store: try EtcdStore(parsing: "etcd://127.0.0.1:1"))
        let elapsed = ContinuousClock().measure { ledger.pause(afterAttempt: 0) }
        #expect(elapsed < .milliseconds(1 + 500))
        #expect(ledger.hasOptimisticWrites)
    }
}
