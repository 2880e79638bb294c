import Foundation

/// Jittered exponential back-off between retries of a compare-and-swap that lost a race.
public enum RetryBackoff {
    /// Sleeps a random time below 1 ms × 2^attempt, at most 32 ms, so that racing writers on
    /// several nodes fall out of step.
    public static func pause(after attempt: Int) {
        let ceiling = 0.001 * Double(1 << min(max(attempt, 0), 5))
        Thread.sleep(forTimeInterval: Double.random(in: 0...ceiling))
    }
}
