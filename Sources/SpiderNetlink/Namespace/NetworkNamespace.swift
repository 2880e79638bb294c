import CNetlinkShim
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

    /// What `stat(2)` says about a namespace path: the device and inode of the namespace
    /// (for `/proc/PID/ns/net` and for a bind mount of one alike), and whether it is a
    /// namespace at all (a file of the `nsfs` file system) rather than, say, the empty regular
    /// file a bind mount leaves behind once it is unmounted.
    public struct Identity: Sendable, Hashable {
        public var device: UInt64
        public var inode: UInt64
        public var isNamespace: Bool
    }

    /// The identity of the namespace the path names, or `nil` when it cannot be read.
    public var identity: Identity? {
        let target = path ?? "/proc/self/ns/net"
        var info = stat()
        guard stat(target, &info) == 0 else { return nil }
        let isNamespace = spider_is_nsfs(target) == 1
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), isNamespace: isNamespace)
    }

    /// Whether the path names a network namespace (a file of `nsfs`): `false` for a missing path,
    /// a directory, or the empty regular file an unmounted bind mount leaves.
    public var isNetworkNamespace: Bool { identity?.isNamespace ?? false }

    /// Whether the path names the namespace this process runs in (the node's, for a CNI
    /// plugin): the same device and inode as `/proc/self/ns/net`, whatever path leads there
    /// (`/proc/self/ns/net`, `/proc/PID/ns/net` of a process beside us, a bind mount).
    public var isCurrentProcessNamespace: Bool {
        guard path != nil else { return true }
        guard let mine = identity, let own = NetworkNamespace.current.identity, mine.isNamespace else { return false }
        return mine.device == own.device && mine.inode == own.inode
    }

    /// The path to give other processes (`nsenter --net=…`) and kernel calls (`IFLA_NET_NS_FD`).
    var openablePath: String { path ?? "/proc/\(getpid())/ns/net" }

    public var description: String { path ?? "the current namespace" }
}

/// A thread that lives in one namespace and runs jobs there, one at a time, with its own
/// netlink socket. The thread enters the namespace once (`setns`) and never leaves it: it ends
/// with the worker, so no other code ever runs in the wrong namespace.
///
/// Plain POSIX threads (no Foundation): this runs inside the CNI binary on every Pod NIC.
final class NamespaceWorker: @unchecked Sendable {
    let namespace: NetworkNamespace
    /// Guards `jobs`, `stopping`, `started`, `startError` and each job's completion.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when a job is queued, the worker stops, the thread has started, or a job ends.
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var startError: NetlinkError?
    private var started = false
    /// The thread's netlink socket (touched only on the worker thread).
    nonisolated(unsafe) var socket: NetlinkSocket?

    init(_ namespace: NetworkNamespace) throws(NetlinkError) {
        self.namespace = namespace
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        // The thread holds a reference to the worker until it ends.
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let worker = Unmanaged<NamespaceWorker>.fromOpaque(context).takeRetainedValue()
            worker.main()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<NamespaceWorker>.fromOpaque(context).release()
            throw .system(operation: "pthread_create", errno: created)
        }
        pthread_detach(thread)
        pthread_mutex_lock(mutex)
        while !started { pthread_cond_wait(condition, mutex) }
        let failure = startError
        pthread_mutex_unlock(mutex)
        if let failure {
            stop()
            throw failure
        }
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

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
        pthread_mutex_lock(mutex)
        startError = failure
        started = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        guard failure == nil else { return }
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                break
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job()
        }
        socket = nil
    }

    /// A job handed to the worker, and what it came to once it has run.
    final class Pending<T>: @unchecked Sendable {
        fileprivate var outcome: Result<T, NetlinkError>?
        fileprivate var finished = false
    }

    /// Hands `body` to the worker thread (inside the namespace) without waiting: ``wait(_:)``
    /// for its result. Two workers' jobs run at the same time.
    func submit<T>(_ body: @escaping (NamespaceWorker) throws(NetlinkError) -> T) -> Pending<T> {
        let pending = Pending<T>()
        pthread_mutex_lock(mutex)
        jobs.append { [unowned self] in
            let result: Result<T, NetlinkError>
            do throws(NetlinkError) { result = .success(try body(self)) } catch { result = .failure(error) }
            pthread_mutex_lock(mutex)
            pending.outcome = result
            pending.finished = true
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        return pending
    }

    /// Waits for a job this worker was handed.
    func wait<T>(_ pending: Pending<T>) throws(NetlinkError) -> T {
        pthread_mutex_lock(mutex)
        while !pending.finished { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
        switch pending.outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        case .none: throw .malformed("worker ended without an answer")
        }
    }

    /// Runs `body` on the worker thread (inside the namespace) and waits for it.
    func perform<T>(_ body: @escaping (NamespaceWorker) throws(NetlinkError) -> T) throws(NetlinkError) -> T {
        try wait(submit(body))
    }

    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The worker's socket (only valid inside ``perform(_:)``).
    var netlink: NetlinkSocket {
        get throws(NetlinkError) {
            guard let socket else { throw .malformed("no netlink socket") }
            return socket
        }
    }
}
