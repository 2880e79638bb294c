/// The flags of a network interface (`ifi_flags`, the kernel's `IFF_*` bits), which `ip link`
/// prints as `<BROADCAST,MULTICAST,UP,LOWER_UP>`.
///
/// The raw value is the kernel's bit mask. In JSON the flags are a list of iproute2's names, in
/// the order `ip link` prints them. ``running`` has no name: `ip` never prints it (it prints
/// `NO-CARRIER` for an interface that is up and not running). `NO-CARRIER` and `M-DOWN` are
/// states derived from other bits, not flags; they are accepted and dropped when decoding.
public struct LinkFlags: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kernel's `IFF_*` bit mask.
    public let rawValue: UInt32

    /// The flags whose bits are set in `rawValue`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `UP`: administratively up.
    public static let up = LinkFlags(rawValue: 0x1)
    /// `BROADCAST`: the link has a broadcast address.
    public static let broadcast = LinkFlags(rawValue: 0x2)
    /// `DEBUG`.
    public static let debug = LinkFlags(rawValue: 0x4)
    /// `LOOPBACK`: the loopback interface.
    public static let loopback = LinkFlags(rawValue: 0x8)
    /// `POINTOPOINT`: a point-to-point link.
    public static let pointToPoint = LinkFlags(rawValue: 0x10)
    /// `NOTRAILERS`.
    public static let noTrailers = LinkFlags(rawValue: 0x20)
    /// `IFF_RUNNING`: the operational state is up (never printed by `ip`).
    public static let running = LinkFlags(rawValue: 0x40)
    /// `NOARP`: no neighbour resolution on the link.
    public static let noARP = LinkFlags(rawValue: 0x80)
    /// `PROMISC`: promiscuous mode.
    public static let promiscuous = LinkFlags(rawValue: 0x100)
    /// `ALLMULTI`: receives all multicast.
    public static let allMulticast = LinkFlags(rawValue: 0x200)
    /// `MASTER`: a bonding master.
    public static let master = LinkFlags(rawValue: 0x400)
    /// `SLAVE`: a bonding port.
    public static let slave = LinkFlags(rawValue: 0x800)
    /// `MULTICAST`: the link supports multicast.
    public static let multicast = LinkFlags(rawValue: 0x1000)
    /// `PORTSEL`.
    public static let portSelect = LinkFlags(rawValue: 0x2000)
    /// `AUTOMEDIA`.
    public static let autoMedia = LinkFlags(rawValue: 0x4000)
    /// `DYNAMIC`.
    public static let dynamic = LinkFlags(rawValue: 0x8000)
    /// `LOWER_UP`: the carrier is up.
    public static let lowerUp = LinkFlags(rawValue: 0x10000)
    /// `DORMANT`.
    public static let dormant = LinkFlags(rawValue: 0x20000)
    /// `ECHO`.
    public static let echo = LinkFlags(rawValue: 0x40000)

    /// iproute2's names, in the order `ip link` prints them.
    private static let named: [(LinkFlags, String)] = [
        (.loopback, "LOOPBACK"), (.broadcast, "BROADCAST"), (.pointToPoint, "POINTOPOINT"),
        (.multicast, "MULTICAST"), (.noARP, "NOARP"), (.allMulticast, "ALLMULTI"),
        (.promiscuous, "PROMISC"), (.noTrailers, "NOTRAILERS"), (.debug, "DEBUG"),
        (.dynamic, "DYNAMIC"), (.autoMedia, "AUTOMEDIA"), (.portSelect, "PORTSEL"),
        (.master, "MASTER"), (.slave, "SLAVE"), (.up, "UP"), (.lowerUp, "LOWER_UP"),
        (.dormant, "DORMANT"), (.echo, "ECHO"),
    ]

    /// Derived states `ip link` prints among the flags; dropped when parsing names.
    private static let derived: Set<String> = ["NO-CARRIER", "M-DOWN"]

    /// The flags named in `names` (`["BROADCAST", "UP"]`).
    /// - Throws: ``IPSyntaxError/invalidValue(_:keyword:line:)`` naming an unknown flag.
    public init(names: [String]) throws(IPSyntaxError) {
        var flags: LinkFlags = []
        for name in names where !LinkFlags.derived.contains(name) {
            guard let entry = LinkFlags.named.first(where: { $0.1 == name }) else {
                throw .invalidValue(name, keyword: "flags", line: names.joined(separator: ","))
            }
            flags.insert(entry.0)
        }
        self = flags
    }

    /// The names of the flags that are set, in the order `ip link` prints them.
    public var names: [String] {
        LinkFlags.named.filter { contains($0.0) }.map(\.1)
    }

    /// `<NAME,NAME,…>`, as `ip link` prints the flags.
    public var description: String { "<" + names.joined(separator: ",") + ">" }

    public init(from decoder: any Decoder) throws {
        let names = try decoder.singleValueContainer().decode([String].self)
        do {
            try self.init(names: names)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(names)
    }
}
