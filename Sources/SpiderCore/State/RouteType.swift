/// What the kernel does with packets that match a route (`rtm_type`).
///
/// The raw value is the kernel's `RTN_*` number. `ip` writes the type as the first word of a
/// route (`blackhole 10.0.0.0/8`) and leaves it out for ``unicast``.
public enum RouteType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A gateway or a directly attached destination (`RTN_UNICAST`).
    case unicast = 1
    /// An address of this host (`RTN_LOCAL`).
    case local = 2
    /// A broadcast address, sent as link broadcast (`RTN_BROADCAST`).
    case broadcast = 3
    /// An anycast address of this host (`RTN_ANYCAST`).
    case anycast = 4
    /// A multicast route (`RTN_MULTICAST`).
    case multicast = 5
    /// Drop silently (`RTN_BLACKHOLE`).
    case blackhole = 6
    /// Drop with ICMP host unreachable (`RTN_UNREACHABLE`).
    case unreachable = 7
    /// Drop with ICMP administratively prohibited (`RTN_PROHIBIT`).
    case prohibit = 8
    /// Go on with the next rule (`RTN_THROW`).
    case `throw` = 9
    /// Network address translation, obsolete (`RTN_NAT`).
    case nat = 10

    /// Parses the word `ip` uses for the type (`unicast`, `local`, `blackhole`, …).
    public init?(name: String) {
        guard let type = RouteType.allCases.first(where: { $0.name == name }) else { return nil }
        self = type
    }

    /// The word `ip` uses for the type.
    public var name: String {
        switch self {
        case .unicast: "unicast"
        case .local: "local"
        case .broadcast: "broadcast"
        case .anycast: "anycast"
        case .multicast: "multicast"
        case .blackhole: "blackhole"
        case .unreachable: "unreachable"
        case .prohibit: "prohibit"
        case .throw: "throw"
        case .nat: "nat"
        }
    }

    /// The same as ``name``.
    public var description: String { name }
}
