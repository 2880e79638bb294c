/// One key as etcd stores it, with the revisions compare-and-swap works on.
public struct EtcdKeyValue: Sendable, Hashable {
    public var key: String
    public var value: String
    /// The revision that created the key (0: it does not exist).
    public var createRevision: Int64
    /// The revision of its last change.
    public var modRevision: Int64
    /// How many times it was written since it was created.
    public var version: Int64

    public init(key: String, value: String, createRevision: Int64, modRevision: Int64, version: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
    }
}
