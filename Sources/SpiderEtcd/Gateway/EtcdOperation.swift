/// One request inside a transaction (etcd's `RequestOp`).
public enum EtcdOperation: Sendable, Hashable {
    /// Reads `key`, or every key in `[key, rangeEnd)`.
    case range(key: String, rangeEnd: String? = nil, keysOnly: Bool = false)
    /// Writes `value` at `key`, attached to a lease when `lease` is set.
    case put(key: String, value: String, lease: Int64? = nil)
    /// Deletes `key`, or every key in `[key, rangeEnd)`.
    case delete(key: String, rangeEnd: String? = nil)

    /// Reads every key that starts with `prefix`.
    public static func range(prefix: String, keysOnly: Bool = false) -> EtcdOperation {
        .range(key: prefix, rangeEnd: EtcdKeys.rangeEnd(ofPrefix: prefix), keysOnly: keysOnly)
    }
}

/// The answer to one ``EtcdOperation``.
public enum EtcdOperationResult: Sendable, Hashable {
    case range([EtcdKeyValue])
    case put
    /// How many keys were deleted.
    case delete(Int64)

    /// The keys of a range answer (empty for other answers).
    public var keyValues: [EtcdKeyValue] {
        if case .range(let values) = self { return values }
        return []
    }
}

/// What a transaction did: whether its conditions held, and the answers of the branch that ran.
public struct EtcdTxnResult: Sendable, Hashable {
    public var succeeded: Bool
    public var responses: [EtcdOperationResult]
    /// The store revision after the transaction.
    public var revision: Int64
}
