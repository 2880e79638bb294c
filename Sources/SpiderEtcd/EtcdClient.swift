import Synchronization

/// A small etcd v3 client: key ranges, puts, transactions and leases, over etcd's documented
/// JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`, `/v3/lease/grant`, ...).
///
/// Requests go to the first endpoint that answers; an endpoint that cannot be reached is
/// skipped for the next call. A write is sent to another endpoint only when the first one
/// refused the connection, so a request that may have been applied is never sent twice:
/// that case is reported as ``EtcdError/unreachable(endpoints:reason:)`` and the caller
/// decides (the CNI runtime, for instance, answers a failed ADD with a DEL).
public final class EtcdClient: Sendable {
    public let store: EtcdStore
    let transport: GatewayTransport
    /// The endpoint tried first: the last one that answered.
    let preferred = Mutex(0)

    /// Connects lazily: creating a client sends nothing.
    public init(store: EtcdStore, connectTimeout: Duration = .seconds(2), requestTimeout: Duration = .seconds(10)) throws(EtcdError) {
        guard !store.endpoints.isEmpty else { throw .invalidStore("no endpoint") }
        self.store = store
        transport = try GatewayTransport(tls: store.tls, connectTimeout: connectTimeout, requestTimeout: requestTimeout)
    }

    // MARK: KV

    /// The key, or `nil` when it does not exist.
    public func get(_ key: String) throws(EtcdError) -> EtcdKeyValue? {
        try range(key: key, rangeEnd: nil).first
    }

    /// The keys a range names, sorted by key.
    public func range(_ range: EtcdRange) throws(EtcdError) -> [EtcdKeyValue] {
        GatewayCodec.keyValues(try call("/v3/kv/range", GatewayCodec.rangeRequest(range), idempotent: true))
    }

    /// Every key in `[key, rangeEnd)` (just `key` when `rangeEnd` is nil), sorted by key.
    public func range(key: String, rangeEnd: String?, keysOnly: Bool = false) throws(EtcdError) -> [EtcdKeyValue] {
        try range(EtcdRange(key: key, rangeEnd: rangeEnd, keysOnly: keysOnly))
    }

    /// Every key that starts with `prefix`.
    public func range(prefix: String, keysOnly: Bool = false) throws(EtcdError) -> [EtcdKeyValue] {
        try range(.prefix(prefix, keysOnly: keysOnly))
    }

    /// Writes a key unconditionally.
    public func put(_ key: String, _ value: String, lease: Int64? = nil) throws(EtcdError) {
        _ = try txn([], success: [.put(key: key, value: value, lease: lease)])
    }

    /// Runs `success` if every compare holds, else `failure`, as one atomic step.
    public func txn(_ compares: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) throws(EtcdError) -> EtcdTxnResult {
        let readOnly = (success + failure).allSatisfy { if case .read = $0 { true } else { false } }
        let answer = try call("/v3/kv/txn", GatewayCodec.txnRequest(compares, success, failure), idempotent: readOnly)
        return GatewayCodec.txnResult(answer)
    }

    // MARK: Leases

    /// Grants a lease that expires `ttl` seconds after its last renewal; keys put with it are
    /// deleted when it expires or is revoked.
    public func grantLease(ttl: Int) throws(EtcdError) -> Int64 {
        let answer = try call("/v3/lease/grant", ["TTL": String(ttl)], idempotent: false)
        return GatewayCodec.int64(answer["ID"])
    }

    /// Revokes a lease, deleting its keys; a lease that already expired is not an error.
    public func revokeLease(_ id: Int64) throws(EtcdError) {
        do {
            _ = try call("/v3/lease/revoke", ["ID": String(id)], idempotent: true)
        } catch .rejected(_, 404, _) {
            return
        }
    }

    // MARK: Calls

    func call(_ path: String, _ request: [String: Any], idempotent: Bool) throws(EtcdError) -> [String: Any] {
        let body = GatewayCodec.encode(request)
        let endpoints = store.endpoints
        let first = preferred.withLock { $0 }
        var reasons: [String] = []
        for offset in 0..<endpoints.count {
            let index = (first + offset) % endpoints.count
            let endpoint = endpoints[index]
            switch transport.post(endpoint, path, body) {
            case .answered(let status, let answer):
                if index != first { preferred.withLock { $0 = index } }
                return try EtcdClient.interpret(status, answer, endpoint.description)
            case .tlsFailed(let reason):
                throw .rejected(endpoint: endpoint.description, status: 0,
                                reason: "TLS handshake failed (check the CA, the client certificate and its key): \(reason)")
            case .notSent(let reason):
                reasons.append(endpoints.count > 1 ? "\(endpoint): \(reason)" : reason)
            case .noAnswer(let reason):
                reasons.append(endpoints.count > 1 ? "\(endpoint): \(reason)" : reason)
                // Only a connection that was never made proves a write was not sent.
                guard idempotent else {
                    throw .unreachable(endpoints: endpoints.map(\.description), reason: reasons.joined(separator: "; "))
                }
            }
        }
        throw .unreachable(endpoints: endpoints.map(\.description), reason: reasons.joined(separator: "; "))
    }

    static func interpret(_ status: Int, _ body: [UInt8], _ endpoint: String) throws(EtcdError) -> [String: Any] {
        if status == 200 { return try GatewayCodec.object(body, endpoint) }
        let (code, message) = GatewayCodec.failure(body)
        if code < 0 && status < 500 {
            // Not the gateway's JSON error: something else listens there.
            throw .rejected(endpoint: endpoint, status: status, reason: message.isEmpty
                ? "not an answer of etcd's gateway (is this etcd's client URL?)" : "not an answer of etcd's gateway: \(message)")
        }
        // gRPC codes: 4 deadline exceeded, 8 resource exhausted, 10 aborted, 14 unavailable.
        if [4, 8, 10, 14].contains(code) || (code < 0 && status >= 500) {
            throw .unavailable(endpoint: endpoint, reason: message.isEmpty ? "HTTP \(status)" : message)
        }
        if code == 5 { throw .rejected(endpoint: endpoint, status: 404, reason: message) }
        throw .rejected(endpoint: endpoint, status: status, reason: message)
    }
}
