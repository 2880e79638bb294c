/// An IPv4 address, held as a 32-bit integer in host byte order.
///
/// Text is parsed strictly, as Go's `net.ParseIP` does: exactly four decimal octets 0–255,
/// no leading zeros (`010.1.1.1` is refused), no spaces, no prefix.
public struct IPv4Address: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as a number: `10.0.0.1` is `0x0A00_0001`.
    public var value: UInt32

    /// The address with the given numeric value.
    public init(_ value: UInt32) { self.value = value }

    /// The address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text; `nil` if it is not exactly an IPv4 address.
    public init?(_ text: String) {
        guard let value = IPv4Address.parseOctets(text.utf8) else { return nil }
        self.value = value
    }

    /// Parses four dotted decimal octets from UTF-8 bytes.
    static func parseOctets<C: Collection>(_ bytes: C) -> UInt32? where C.Element == UInt8 {
        var result: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || current > 255 { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, octets < 3 else { return nil }
                result = result << 8 | current
                octets += 1
                current = 0
                digits = 0
                leadingZero = false
            default:
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return result << 8 | current
    }

    /// The four octets, most significant first.
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    /// Dotted-quad text: `10.6.212.100`.
    public var description: String {
        let (a, b, c, d) = octets
        return "\(a).\(b).\(c).\(d)"
    }

    /// The next address, or `nil` after `255.255.255.255`.
    public var successor: IPv4Address? {
        let (next, overflow) = value.addingReportingOverflow(1)
        return overflow ? nil : IPv4Address(next)
    }

    /// The previous address, or `nil` before `0.0.0.0`.
    public var predecessor: IPv4Address? {
        let (previous, overflow) = value.subtractingReportingOverflow(1)
        return overflow ? nil : IPv4Address(previous)
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid IPv4 address '\(text)'"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
