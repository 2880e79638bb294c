#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One coordinator call at a time on a node: ADD and DEL hold an exclusive `flock(2)` on a file
/// under `/run/spiderpool` while they observe, plan and execute, so that a DEL removing the
/// node's shared table rule cannot race an ADD that found it in place. The kernel drops the
/// lock when a process dies.
///
/// Waiting for the lock is bounded: after ``defaultTimeout`` seconds the call fails with code 11
/// (try again later) instead of queueing behind a call that does not finish. Everything done
/// under the lock is bounded too (helper programs run with a deadline, netlink answers are
/// awaited with a receive timeout). `SPIDERPOOL_COORDINATOR_LOCK` (a path) and
/// `SPIDERPOOL_COORDINATOR_LOCK_TIMEOUT` (seconds, 0.1 to 300) override both, for nodes that
/// keep `/run` elsewhere and for tests.
struct NodeLock {
    static let defaultPath = "/run/spiderpool/coordinator.lock"
    /// How long a call waits for the lock, in seconds.
    static let defaultTimeout: Double = 20

    static var configuredPath: String {
        if let path = CNIProcess.variable("SPIDERPOOL_COORDINATOR_LOCK"), path.hasPrefix("/") { return path }
        return defaultPath
    }

    static var configuredTimeout: Double {
        if let text = CNIProcess.variable("SPIDERPOOL_COORDINATOR_LOCK_TIMEOUT"), let seconds = Double(text),
           seconds >= 0.1, seconds <= 300 { return seconds }
        return defaultTimeout
    }

    static func withLock<T>(path: String = NodeLock.configuredPath, timeout: Double = NodeLock.configuredTimeout,
                            _ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw CNIError(code: 999, "cannot create \(directory)", details: String(cString: strerror(errno)))
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw CNIError(code: 999, "cannot open the node lock \(path)", details: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let deadline = now() + timeout
        var pause = 0.005
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                throw CNIError(code: 999, "cannot lock \(path)", details: String(cString: strerror(code)))
            }
            guard now() < deadline else {
                throw CNIError(code: CNIError.tryAgainLater, "another coordinator call has held the node lock \(path) for more than \(Int(timeout.rounded(.up))) s: try again later",
                               details: "the holder is busy or stuck; the lock is released when it ends")
            }
            var interval = timespec(tv_sec: 0, tv_nsec: Int(pause * 1e9))
            nanosleep(&interval, nil)
            pause = min(pause * 2, 0.1)
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    static func now() -> Double {
        var value = timespec()
        clock_gettime(CLOCK_MONOTONIC, &value)
        return Double(value.tv_sec) + Double(value.tv_nsec) / 1e9
    }
}
