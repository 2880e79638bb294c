/// A stored pool or reserved-IP document that cannot be read (its bytes are damaged). The
/// ledger leaves it out of ``Ledger/pools()`` so that the other pools keep working, and names it
/// here so that commands can report it.
public struct UnreadableDocument: Error, Sendable, Hashable {
    /// `SpiderIPPool` or `SpiderReservedIP`.
    public var kind: String
    public var name: String
    /// Why it cannot be read.
    public var reason: String

    public init(kind: String, name: String, reason: String) {
        self.kind = kind
        self.name = name
        self.reason = reason
    }
}
