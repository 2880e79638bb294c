import CNetlinkShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A network namespace, named by a path (`/var/run/netns/NAME`, `/proc/PID/ns/net`), or the
/// namespace of this process.
public struct NetworkNamespace: Sendable, Hashable, CustomStringConvertible {
    /// `nil`: the process's own namespace.
    public let path: String?

    public init(path: String) { self.path = path }
    private init() { path = nil }

    /// The namespace this process runs in.
    public static let current = NetworkNamespace()

    /// `/var/run/netns/NAME`, as `ip netns add NAME` creates it.
    public static func named(_ name: String) -> NetworkNamespace { NetworkNamespace(path: "/var/run/netns/\(name)") }

    /// Whether the namespace can be opened (DEL succeeds at once when it cannot).
    public var exists: Bool {
        guard let path else { return true }
        return access(path, F_OK) == 0
    }

    /// The path to give other processes (`nsenter --net=…`) and kernel calls (`IFLA_NET_NS_FD`).
    var openablePath: String { path ?? "/proc/\(getpid())/ns/net" }

    public var description: String { path ?? "the current namespace" }
}

/// A thread that lives in one namespace and runs jobs there, one at a time, with its own
/// netlink socket. The thread enters the namespace once (`setns`) and never leaves it: it ends
/// with the worker, so no other code ever runs in the wrong namespace.
final class NamespaceWorker: @unchecked Sendable {
    let namespace: NetworkNamespace
    private let lock = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var thread: Thread?
    private var startError: NetlinkError?
    private var started = false
    /// The thread's netlink socket (touched only on the worker thread).
    nonisolated(unsafe) var socket: NetlinkSocket?

    init(_ namespace: NetworkNamespace) throws(NetlinkError) {
        self.namespace = namespace
        let thread = Thread { [unowned self] in self.main() }
        thread.name = "spider-netns"
        self.thread = thread
        thread.start()
        lock.lock()
        while !started { lock.wait() }
        let failure = startError
        lock.unlock()
        if let failure {
            stop()
            throw failure
        }
    }

    deinit { stop() }

    private func main() {
        var failure: NetlinkError?
        if let path = namespace.path {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                failure = .namespace(path: path, errno: errno)
            } else {
                if spider_setns_net(descriptor) != 0 { failure = .namespace(path: path, errno: errno) }
                close(descriptor)
            }
        }
        if failure == nil {
            do { socket = try NetlinkSocket() } catch { failure = error }
        }
        lock.lock()
        startError = failure
        started = true
        lock.broadcast()
        lock.unlock()
        guard failure == nil else { return }
        while true {
            lock.lock()
            while jobs.isEmpty && !stopping { lock.wait() }
            if jobs.isEmpty && stopping {
                lock.unlock()
                break
            }
            let job = jobs.removeFirst()
            lock.unlock()
            job()
        }
        socket = nil
    }

    /// Runs `body` on the worker thread (inside the namespace) and waits for it.
    func perform<T>(_ body: @escaping (NamespaceWorker) throws(NetlinkError) -> T) throws(NetlinkError) -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<T, NetlinkError>?
        lock.lock()
        jobs.append { [unowned self] in
            do throws(NetlinkError) { outcome = .success(try body(self)) } catch { outcome = .failure(error) }
            done.signal()
        }
        lock.signal()
        lock.unlock()
        done.wait()
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        case .none: throw .malformed("worker ended without an answer")
        }
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        lock.unlock()
    }

    /// The worker's socket (only valid inside ``perform(_:)``).
    var netlink: NetlinkSocket {
        get throws(NetlinkError) {
            guard let socket else { throw .malformed("no netlink socket") }
            return socket
        }
    }
}
