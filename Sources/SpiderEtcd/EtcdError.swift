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
    /// A bad `etcd://` store address or TLS file.
    case invalidStore(String)

    /// Whether trying again later can succeed (CNI error code 11).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .unavailable: true
        case .rejected, .malformedResponse, .invalidStore: false
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
        case .invalidStore(let reason):
            "invalid etcd store: \(reason)"
        }
    }
}
