/// One iptables/ip6tables rule as `iptables -S` prints it: `-A PREROUTING -i veth0 …`.
///
/// The coordinator only needs a few mangle rules for underlay reply marking; they are kept as
/// text, compared as text, and executed with the system's `iptables`/`ip6tables`.
public struct FirewallRule: Sendable, Hashable, CustomStringConvertible {
    /// The family: `iptables` for IPv4, `ip6tables` for IPv6.
    public var family: IPFamily
    /// The table (`mangle`).
    public var table: String
    /// The rule in `-S` form, starting with `-A CHAIN`.
    public var specification: String

    public init(family: IPFamily, table: String = "mangle", specification: String) {
        self.family = family
        self.table = table
        self.specification = specification
    }

    /// The chain the rule is appended to (`PREROUTING`).
    public var chain: String {
        let words = specification.split(separator: " ")
        return words.count > 1 ? String(words[1]) : ""
    }

    /// The `iptables`/`ip6tables` command line that appends the rule.
    public var command: [String] {
        [family == .v4 ? "iptables" : "ip6tables", "-t", table] + specification.split(separator: " ").map(String.init)
    }

    public var description: String { specification }
}
