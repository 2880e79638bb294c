import Foundation
import Synchronization

/// Keeps an etcd lease alive from a background thread, renewing it every third of its TTL,
/// until ``stop()``. Whether the lease was found gone is ``isLost``; the writes that rely on
/// the lease still check for themselves (a compare in their transaction), since a renewal can
/// come too late.
final class LeaseKeeper: Sendable {
    let client: EtcdClient
    let lease: Int64
    let interval: Duration
    let state = Mutex(State())
    let wake = DispatchSemaphore(value: 0)

    struct State {
        var stopped = false
        var lost = false
    }

    /// Starts renewing `lease` (granted for `ttl` seconds) at once.
    init(client: EtcdClient, lease: Int64, ttl: Int) {
        self.client = client
        self.lease = lease
        interval = .milliseconds(max(ttl, 1) * 1000 / 3)
        Thread.detachNewThread { [self] in run() }
    }

    /// Whether etcd answered that the lease no longer exists.
    var isLost: Bool { state.withLock { $0.lost } }

    /// Stops renewing (the lease then lives out its TTL unless revoked).
    func stop() {
        let wasRunning = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if wasRunning { wake.signal() }
    }

    func run() {
        while true {
            let (seconds, attoseconds) = interval.components
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
            if state.withLock({ $0.stopped }) { return }
            do {
                if try client.keepAlive(lease) <= 0 {
                    state.withLock { $0.lost = true }
                    return
                }
            } catch {
                // Unreachable for now: try again at the next tick, the lease may still live.
                continue
            }
        }
    }
}
