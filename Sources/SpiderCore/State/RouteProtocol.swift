/// Who installed a route (`rtm_protocol`), as `ip route … proto P` writes it.
///
/// The names are iproute2's (`lib/rt_names.c`); any other value is kept and printed as its number.
public struct RouteProtocol: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// The kernel's protocol number.
    public var rawValue: UInt8

    /// The protocol with number `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0, unknown.
    public static let unspec = RouteProtocol(rawValue: 0)
    /// 1, an ICMP redirect.
    public static let redirect = RouteProtocol(rawValue: 1)
    /// 2, the kernel itself (the subnet route of an address).
    public static let kernel = RouteProtocol(rawValue: 2)
    /// 3, an administrator at boot; what `ip route add` uses when no `proto` is given.
    public static let boot = RouteProtocol(rawValue: 3)
    /// 4, an administrator on purpose.
    public static let `static` = RouteProtocol(rawValue: 4)
    /// 9, an IPv6 router advertisement.
    public static let ra = RouteProtocol(rawValue: 9)
    /// 16, a DHCP client.
    public static let dhcp = RouteProtocol(rawValue: 16)

    private static let names: [(UInt8, String)] = [
        (0, "unspec"), (1, "redirect"), (2, "kernel"), (3, "boot"), (4, "static"),
        (8, "gated"), (9, "ra"), (10, "mrt"), (11, "zebra"), (12, "bird"), (13, "dnrouted"),
        (14, "xorp"), (15, "ntk"), (16, "dhcp"), (18, "keepalived"), (42, "babel"),
        (186, "bgp"), (187, "isis"), (188, "ospf"), (189, "rip"), (192, "eigrp"),
    ]

    /// Parses one of iproute2's protocol names (`kernel`, `boot`, `static`, `dhcp`, `ra`, …) or a
    /// number 0…255.
    public init?(_ text: String) {
        if let entry = RouteProtocol.names.first(where: { $0.1 == text }) {
            self.rawValue = entry.0
        } else if let value = IPSyntaxCursor.unsigned(text), let byte = UInt8(exactly: value) {
            self.rawValue = byte
        } else {
            return nil
        }
    }

    /// iproute2's name for the protocol, else the number.
    public var description: String {
        RouteProtocol.names.first(where: { $0.0 == rawValue })?.1 ?? String(rawValue)
    }

    public static func < (lhs: RouteProtocol, rhs: RouteProtocol) -> Bool { lhs.rawValue < rhs.rawValue }
}
