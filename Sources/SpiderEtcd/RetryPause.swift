#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Jittered, growing pauses between retries, so that writers racing on several nodes fall out
/// of step: a random time up to `first` × 2^attempt, never more than `longest`. Sleeps with
/// `nanosleep` (no Foundation).
struct RetryPause: Sendable {
    /// The longest pause after the first attempt (attempt 0).
    var first: Duration
    /// The longest pause after any attempt.
    var longest: Duration

    /// After a lost compare-and-swap: below 1 ms × 2^attempt, at most 32 ms.
    static let lostRace = RetryPause(first: .milliseconds(1), longest: .milliseconds(32))
    /// While another holder has the store lock: below 1 ms × 2^attempt, at most 250 ms.
    static let lockWait = RetryPause(first: .milliseconds(1), longest: .milliseconds(250))

    /// The ceiling of the pause after `attempt` (negative attempts count as 0).
    func ceiling(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt, 0), 30)
        return min(first * (1 << doublings), longest)
    }

    /// Sleeps a random time between 0 and ``ceiling(afterAttempt:)``.
    func sleep(afterAttempt attempt: Int) {
        let ceiling = ceiling(afterAttempt: attempt).components
        let ceilingNanoseconds = ceiling.seconds * 1_000_000_000 + ceiling.attoseconds / 1_000_000_000
        RetryPause.sleep(nanoseconds: Int64.random(in: 0...max(ceilingNanoseconds, 0)))
    }

    /// Sleeps `nanoseconds`, going on after signals until the whole time has passed.
    static func sleep(nanoseconds: Int64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1, errno == EINTR { request = remaining }
    }
}
