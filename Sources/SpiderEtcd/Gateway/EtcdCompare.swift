/// A condition of a transaction (etcd's `Compare`): the key's version, revisions or value
/// against a constant. With `rangeEnd` every key in `[key, rangeEnd)` must satisfy it, and an
/// empty range compares like a missing key.
public struct EtcdCompare: Sendable, Hashable {
    public enum Relation: String, Sendable, Hashable {
        case equal = "EQUAL", greater = "GREATER", less = "LESS", notEqual = "NOT_EQUAL"
    }

    public enum Target: Sendable, Hashable {
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
        case value(String)
    }

    public var key: String
    public var rangeEnd: String?
    public var relation: Relation
    public var target: Target

    public init(key: String, rangeEnd: String? = nil, _ relation: Relation, _ target: Target) {
        self.key = key
        self.rangeEnd = rangeEnd
        self.relation = relation
        self.target = target
    }

    /// The key does not exist.
    public static func absent(_ key: String) -> EtcdCompare { EtcdCompare(key: key, .equal, .createRevision(0)) }
    /// The key exists.
    public static func present(_ key: String) -> EtcdCompare { EtcdCompare(key: key, .greater, .createRevision(0)) }
    /// No key starts with `prefix`.
    public static func noKey(withPrefix prefix: String) -> EtcdCompare {
        EtcdCompare(key: prefix, rangeEnd: EtcdKeys.rangeEnd(ofPrefix: prefix), .equal, .createRevision(0))
    }
    /// The key was last changed at `revision` (nobody changed it since it was read).
    public static func unchanged(_ key: String, since revision: Int64) -> EtcdCompare {
        EtcdCompare(key: key, .equal, .modRevision(revision))
    }
}
