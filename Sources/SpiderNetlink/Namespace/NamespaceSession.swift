#if canImport(Glibc)
import Glibc
#endif

/// One worker thread per namespace, kept for a sequence of calls: observe, execute and verify
/// of one CNI call share them instead of each starting its own thread, entering the namespace
/// and opening a netlink socket again. The workers stop when the session is closed (or
/// released).
///
/// A session belongs to one caller at a time; it is not meant to be shared between threads
/// that use it concurrently.
public final class NamespaceSession: @unchecked Sendable {
    private var workers: [String: NamespaceWorker] = [:]

    /// An empty session; workers are started on first use.
    public init() {}

    deinit { close() }

    /// The worker of `namespace`, started on first use.
    func worker(for namespace: NetworkNamespace) throws(NetlinkError) -> NamespaceWorker {
        let key = namespace.path ?? ""
        if let existing = workers[key] { return existing }
        let created = try NamespaceWorker(namespace)
        workers[key] = created
        return created
    }

    /// Stops every worker; the session can be used again afterwards (new workers start).
    public func close() {
        for worker in workers.values { worker.stop() }
        workers = [:]
    }
}
