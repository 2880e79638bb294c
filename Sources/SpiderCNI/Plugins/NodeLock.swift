import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One coordinator call at a time on a node: ADD and DEL hold an exclusive `flock(2)` on a file
/// under `/run/spiderpool` while they observe, plan and execute, so that a DEL removing the
/// node's shared table rule cannot race an ADD that found it in place. The kernel drops the
/// lock when a process dies.
struct NodeLock {
    static let defaultPath = "/run/spiderpool/coordinator.lock"

    static func withLock<T>(path: String = NodeLock.defaultPath, _ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        let directory = (path as NSString).deletingLastPathComponent
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw CNIError(code: 999, "cannot create \(directory)", details: String(cString: strerror(errno)))
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CNIError(code: 999, "cannot open the node lock \(path)", details: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CNIError(code: 999, "cannot lock \(path)", details: String(cString: strerror(errno))) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
