/// Why a call to etcd failed.
public enum EtcdError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No endpoint answered (refused, reset, timed out): the caller may retry later.
    case unreachable(endpoints: [String], reason: String)
    /// etcd answered that it cannot serve now (no leader, timeout, too many requests).
    case unavailable(endpoint: String, reason: String)
    /// etcd refused the request itself (a bug here, or a limit such as `--max-txn-ops`).
    case rejected(endpoint: String, status: Int, reason: String)
    /// The answer could not be read.
    case malformedResponse(endpoint: String, reason: String)
    /// Something other than etcd's JSON gateway answered at the endpoint (another web server,
    /// a proxy's error page, an etcd older than 3.4); only its HTTP status is kept.
    case notEtcd(endpoint: String, status: Int)
    /// A bad `etcd://` store address or TLS file.
    case invalidStore(String)

    /// Whether trying again later can succeed (CNI error code 11).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .unavailable: true
        case .rejected, .malformedResponse, .notEtcd, .invalidStore: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoints, let reason):
            "etcd at \(endpoints.joined(separator: ",")) is unreachable: \(reason)"
        case .unavailable(let endpoint, let reason):
            "etcd at \(endpoint) cannot serve the request now: \(reason)"
        case .rejected(let endpoint, let status, let reason):
            status == 0 ? "etcd at \(endpoint) refused the connection: \(reason)" : "etcd at \(endpoint) refused the request (HTTP \(status)): \(reason)"
        case .malformedResponse(let endpoint, let reason):
            "unreadable answer from etcd at \(endpoint): \(reason)"
        case .notEtcd(let endpoint, let status):
            "\(endpoint) is not an etcd gateway: it answered HTTP \(status) without etcd's JSON "
                + "(is it etcd's client URL, usually port 2379, of etcd 3.4 or newer?)"
        case .invalidStore(let reason):
            "invalid etcd store: \(reason)"
        }
    }
}
