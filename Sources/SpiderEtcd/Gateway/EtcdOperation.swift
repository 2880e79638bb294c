/// A read (etcd's `RangeRequest`): `key`, or every key in `[key, rangeEnd)`.
public struct EtcdRange: Sendable, Hashable {
    public var key: String
    public var rangeEnd: String?
    /// Leave the values out.
    public var keysOnly = false
    /// Only count the keys.
    public var countOnly = false
    /// Only keys changed at or after this revision (deleted keys are not seen).
    public var minModRevision: Int64?
    /// At most this many keys (0: no limit); the answer says whether there are more.
    public var limit: Int64 = 0
    /// Read the store as it was at this revision (0: now).
    public var revision: Int64 = 0

    public init(key: String, rangeEnd: String? = nil, keysOnly: Bool = false, countOnly: Bool = false, minModRevision: Int64? = nil) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.keysOnly = keysOnly
        self.countOnly = countOnly
        self.minModRevision = minModRevision
    }

    /// Every key that starts with `prefix`.
    public static func prefix(_ prefix: String, keysOnly: Bool = false, countOnly: Bool = false, minModRevision: Int64? = nil) -> EtcdRange {
        EtcdRange(key: prefix, rangeEnd: EtcdKeys.rangeEnd(ofPrefix: prefix), keysOnly: keysOnly, countOnly: countOnly,
                  minModRevision: minModRevision)
    }
}

/// One request inside a transaction (etcd's `RequestOp`).
public enum EtcdOperation: Sendable, Hashable {
    /// A read.
    case read(EtcdRange)
    /// Writes `value` at `key`, attached to a lease when `lease` is set.
    case put(key: String, value: String, lease: Int64? = nil)
    /// Deletes `key`, or every key in `[key, rangeEnd)`.
    case delete(key: String, rangeEnd: String? = nil)

    /// Reads one key.
    public static func get(_ key: String) -> EtcdOperation { .read(EtcdRange(key: key)) }

    /// Reads every key that starts with `prefix`.
    public static func range(prefix: String, keysOnly: Bool = false) -> EtcdOperation {
        .read(.prefix(prefix, keysOnly: keysOnly))
    }
}

/// The answer to one ``EtcdOperation``.
public enum EtcdOperationResult: Sendable, Hashable {
    /// The keys read, and how many keys the range holds (all of them, also with `countOnly`).
    case range([EtcdKeyValue], count: Int64)
    case put
    /// How many keys were deleted.
    case delete(Int64)

    /// The keys of a range answer (empty for other answers).
    public var keyValues: [EtcdKeyValue] {
        if case .range(let values, _) = self { return values }
        return []
    }

    /// The key count of a range answer (0 for other answers).
    public var count: Int64 {
        if case .range(_, let count) = self { return count }
        return 0
    }
}

/// What a transaction did: whether its conditions held, and the answers of the branch that ran.
public struct EtcdTxnResult: Sendable, Hashable {
    public var succeeded: Bool
    public var responses: [EtcdOperationResult]
    /// The store revision after the transaction.
    public var revision: Int64
}
