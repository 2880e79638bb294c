import Synchronization

/// A small etcd v3 client: key ranges, puts, transactions and leases, over etcd's documented
/// JSON gateway (`POST /v3/kv/range`, `/v3/kv/txn`, `/v3/lease/grant`, ...).
///
/// Requests go to the first endpoint that answers, and keep going to it. With several
/// endpoints, one not yet heard from must first answer a cheap local read within
/// ``probeTimeout`` (1 s): a hung endpoint costs that once, is remembered as failed for the
/// client's life, and is tried last from then on. A write is sent to another endpoint only
/// when it was never sent (the connection could not be made, or the probe got no answer), so a
/// request that may have been applied is never sent twice: that case is reported as
/// ``EtcdError/unreachable(endpoints:reason:)`` and the caller decides (the CNI runtime, for
/// instance, answers a failed ADD with a DEL).
public final class EtcdClient: Sendable {
    public let store: EtcdStore
    let transport: GatewayTransport
    /// How long an endpoint not yet heard from may take to answer its first request (a local,
    /// serializable read) before the next endpoint is tried. Only used with several endpoints.
    public let probeTimeout: Duration
    /// How long a request may take once its endpoint has answered.
    public let requestTimeout: Duration
    let state: Mutex<EndpointState>

    /// What the client learned of its endpoints.
    struct EndpointState {
        enum Health { case unknown, answered, failed }
        /// The endpoint tried first: the last one that answered.
        var preferred = 0
        var health: [Health]

        /// Endpoints in the order to try: from the preferred one round, the failed ones last.
        var order: [Int] {
            let rotation = health.indices.map { (preferred + $0) % health.count }
            return rotation.filter { health[$0] != .failed } + rotation.filter { health[$0] == .failed }
        }
    }

    /// Connects lazily: creating a client sends nothing.
    ///
    /// - Parameters:
    ///   - store: the endpoints, key prefix and TLS files.
    ///   - connectTimeout: how long making a TCP connection to one endpoint may take.
    ///   - requestTimeout: how long one request may take, once its endpoint has answered.
    ///   - probeTimeout: with several endpoints, how long an endpoint not yet heard from may
    ///     take to answer a first cheap read before the next endpoint is tried.
    public init(store: EtcdStore, connectTimeout: Duration = .seconds(1), requestTimeout: Duration = .seconds(10),
                probeTimeout: Duration = .seconds(1)) throws(EtcdError) {
        guard !store.endpoints.isEmpty else { throw .invalidStore("no endpoint") }
        self.store = store
        self.probeTimeout = probeTimeout
        self.requestTimeout = requestTimeout
        state = Mutex(EndpointState(health: Array(repeating: .unknown, count: store.endpoints.count)))
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

    /// One page of a range: the keys, whether more follow, and the revision read.
    public func page(_ range: EtcdRange) throws(EtcdError) -> (keyValues: [EtcdKeyValue], more: Bool, revision: Int64) {
        let answer = try call("/v3/kv/range", GatewayCodec.rangeRequest(range), idempotent: true)
        return (GatewayCodec.keyValues(answer), GatewayCodec.more(answer), GatewayCodec.revision(answer))
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

    /// Renews a lease for its whole TTL again; returns the TTL in seconds, 0 when the lease no
    /// longer exists (it expired or was revoked).
    public func keepAlive(_ id: Int64) throws(EtcdError) -> Int {
        let answer = try call("/v3/lease/keepalive", ["ID": String(id)], idempotent: true)
        guard let result = answer["result"] as? [String: Any] else {
            throw .unavailable(endpoint: store.endpoints.map(\.description).joined(separator: ","),
                              reason: "the lease keep-alive got no result")
        }
        return Int(GatewayCodec.int64(result["TTL"]))
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
        let (order, health) = state.withLock { ($0.order, $0.health) }
        var reasons: [String] = []
        func note(_ endpoint: EtcdStore.Endpoint, _ reason: String) {
            reasons.append(endpoints.count > 1 ? "\(endpoint): \(reason)" : reason)
        }
        for index in order {
            let endpoint = endpoints[index]
            if endpoints.count > 1 && health[index] != .answered {
                // A first, short look: a hung endpoint must not hold up the healthy ones, and a
                // write must not be sent where it might hang half done.
                switch transport.post(endpoint, "/v3/kv/range", probeBody, timeout: probeTimeout) {
                case .answered:
                    break
                case .tlsFailed(let reason):
                    throw EtcdClient.tlsFailure(endpoint, reason)
                case .notSent(let reason), .noAnswer(let reason):
                    mark(index, .failed)
                    note(endpoint, reason)
                    continue
                case .timedOut:
                    mark(index, .failed)
                    note(endpoint, "no answer to a first read within \(EtcdClient.seconds(probeTimeout))")
                    continue
                }
            }
            switch transport.post(endpoint, path, body, timeout: requestTimeout) {
            case .answered(let status, let answer):
                mark(index, .answered)
                return try EtcdClient.interpret(status, answer, endpoint.description)
            case .tlsFailed(let reason):
                throw EtcdClient.tlsFailure(endpoint, reason)
            case .notSent(let reason):
                mark(index, .failed)
                note(endpoint, reason)
            case .noAnswer(let reason):
                mark(index, .failed)
                note(endpoint, reason)
                // Only a request that never left may be sent again elsewhere.
                guard idempotent else {
                    throw .unreachable(endpoints: endpoints.map(\.description), reason: reasons.joined(separator: "; "))
                }
            case .timedOut:
                mark(index, .failed)
                note(endpoint, "no answer within \(EtcdClient.seconds(requestTimeout))")
                guard idempotent else {
                    throw .unreachable(endpoints: endpoints.map(\.description), reason: reasons.joined(separator: "; "))
                }
            }
        }
        throw .unreachable(endpoints: endpoints.map(\.description), reason: reasons.joined(separator: "; "))
    }

    /// A read that any etcd member answers at once from its own data (serializable: no
    /// leader needed), counting the keys under the prefix.
    var probeBody: [UInt8] {
        GatewayCodec.encode(["key": GatewayCodec.base64(store.prefix + "/"), "serializable": true, "count_only": true])
    }

    func mark(_ index: Int, _ health: EndpointState.Health) {
        state.withLock { state in
            state.health[index] = health
            if health == .answered { state.preferred = index }
        }
    }

    static func tlsFailure(_ endpoint: EtcdStore.Endpoint, _ reason: String) -> EtcdError {
        .rejected(endpoint: endpoint.description, status: 0,
                  reason: "TLS handshake failed (check the CA, the client certificate and its key): \(reason)")
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds) s" : "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }

    static func interpret(_ status: Int, _ body: [UInt8], _ endpoint: String) throws(EtcdError) -> [String: Any] {
        if status == 200 {
            // Every answer of the gateway has a header (a keep-alive's is inside its result).
            guard let object = GatewayCodec.jsonObject(body), object["header"] != nil || object["result"] != nil else {
                throw .notEtcd(endpoint: endpoint, status: status)
            }
            return object
        }
        // Anything but the gateway's JSON error: something else listens there.
        guard let (code, message) = GatewayCodec.failure(body) else { throw .notEtcd(endpoint: endpoint, status: status) }
        // gRPC codes: 4 deadline exceeded, 8 resource exhausted, 10 aborted, 14 unavailable.
        if [4, 8, 10, 14].contains(code) {
            throw .unavailable(endpoint: endpoint, reason: message.isEmpty ? "HTTP \(status)" : message)
        }
        if code == 5 { throw .rejected(endpoint: endpoint, status: 404, reason: message) }
        throw .rejected(endpoint: endpoint, status: status, reason: message)
    }
}
