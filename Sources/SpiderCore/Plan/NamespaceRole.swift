/// Which network namespace an operation belongs to: the Pod's or the node's.
public enum NamespaceRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case pod
    case node

    /// The other namespace.
    public var other: NamespaceRole { self == .pod ? .node : .pod }

    public var description: String { rawValue }
}
