/// The kind of a network interface, as `ip -d link` names it (`veth`, `macvlan`, …).
///
/// `loopback` is the golden files' name for `lo`, which has no kind of its own. Any other kind
/// is kept by name in ``other(_:)``.
public enum LinkKind: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The loopback interface.
    case loopback
    /// One end of a virtual Ethernet pair.
    case veth
    /// A MACVLAN interface on a parent link.
    case macvlan
    /// An IPVLAN interface on a parent link.
    case ipvlan
    /// A Linux bridge.
    case bridge
    /// A VXLAN tunnel.
    case vxlan
    /// An 802.1Q VLAN interface.
    case vlan
    /// A dummy interface.
    case dummy
    /// Any other kind, by the name `ip` prints.
    case other(String)

    /// The kind named `name`; unknown names become ``other(_:)``.
    public init(name: String) {
        switch name {
        case "loopback": self = .loopback
        case "veth": self = .veth
        case "macvlan": self = .macvlan
        case "ipvlan": self = .ipvlan
        case "bridge": self = .bridge
        case "vxlan": self = .vxlan
        case "vlan": self = .vlan
        case "dummy": self = .dummy
        default: self = .other(name)
        }
    }

    /// The kind's name.
    public var name: String {
        switch self {
        case .loopback: "loopback"
        case .veth: "veth"
        case .macvlan: "macvlan"
        case .ipvlan: "ipvlan"
        case .bridge: "bridge"
        case .vxlan: "vxlan"
        case .vlan: "vlan"
        case .dummy: "dummy"
        case .other(let name): name
        }
    }

    /// The same as ``name``.
    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        self.init(name: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
