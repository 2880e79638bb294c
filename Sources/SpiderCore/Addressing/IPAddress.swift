/// An IP address of either family.
///
/// Addresses order by family first (every IPv4 address before every IPv6 address), then by
/// value. That is the order of a sorted ``IPRangeSet`` and of Spiderpool's results (v4 before v6).
public enum IPAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses an address of either family: dotted text is IPv4, text with a colon is IPv6
    /// (an IPv4-mapped address such as `::ffff:1.2.3.4` stays IPv6).
    public init?(_ text: String) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// Parses an address of the given family, as Spiderpool's `IsIP(version, s)` accepts it.
    ///
    /// As in Spiderpool (Go's `net.ParseIP` plus a `.` or `:` check), IPv4 text must contain a
    /// dot and IPv6 text a colon; IPv4-mapped IPv6 text (`::ffff:1.2.3.4`) is accepted for both
    /// families and, asked for IPv4, yields the IPv4 address inside.
    public init?(_ text: String, family: IPFamily) {
        switch family {
        case .v4:
            if let v4 = IPv4Address(text) {
                self = .v4(v4)
            } else if text.contains("."), let v6 = IPv6Address(text), let mapped = v6.mappedIPv4 {
                self = .v4(mapped)
            } else {
                return nil
            }
        case .v6:
            guard let v6 = IPv6Address(text) else { return nil }
            self = .v6(v6)
        }
    }

    /// Parses an address of the given family, or throws Spiderpool's `invalid IP format` error.
    public static func parse(_ text: String, family: IPFamily) throws(AddressError) -> IPAddress {
        guard let address = IPAddress(text, family: family) else { throw .invalidIPFormat(text, family) }
        return address
    }

    /// The family of the address.
    public var family: IPFamily {
        switch self {
        case .v4: .v4
        case .v6: .v6
        }
    }

    /// The address as a number; IPv4 addresses occupy the low 32 bits.
    public var value: UInt128 {
        switch self {
        case .v4(let a): UInt128(a.value)
        case .v6(let a): a.value
        }
    }

    /// The address of `family` with numeric value `value` (truncated to 32 bits for IPv4).
    public init(family: IPFamily, value: UInt128) {
        switch family {
        case .v4: self = .v4(IPv4Address(UInt32(truncatingIfNeeded: value)))
        case .v6: self = .v6(IPv6Address(value))
        }
    }

    /// The largest numeric value an address of this family can have.
    static func maxValue(_ family: IPFamily) -> UInt128 {
        family == .v4 ? UInt128(UInt32.max) : UInt128.max
    }

    /// The next address of the same family, or `nil` at the end of the family's space.
    public var successor: IPAddress? {
        switch self {
        case .v4(let a): a.successor.map(IPAddress.v4)
        case .v6(let a): a.successor.map(IPAddress.v6)
        }
    }

    /// The previous address of the same family, or `nil` at the start of the family's space.
    public var predecessor: IPAddress? {
        switch self {
        case .v4(let a): a.predecessor.map(IPAddress.v4)
        case .v6(let a): a.predecessor.map(IPAddress.v6)
        }
    }

    /// Canonical text: dotted quad, or RFC 5952.
    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid IP address '\(text)'"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
