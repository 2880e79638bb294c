/// An IPv6 address, held as a 128-bit integer in host byte order.
///
/// Parsing accepts every textual form of RFC 4291: compressed (`::`, `fd00::1`), full
/// (`abcd:1234:0:0:0:0:0:1`), upper case, and an embedded IPv4 tail (`::ffff:1.2.3.4`).
/// Zones (`%eth0`) are refused. Printing follows RFC 5952: lower case, no leading zeros, the
/// leftmost longest run of two or more zero groups as `::`.
public struct IPv6Address: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as a number: `::1` is `1`.
    public var value: UInt128

    /// The address with the given numeric value.
    public init(_ value: UInt128) { self.value = value }

    /// Parses IPv6 text; `nil` if it is not exactly an IPv6 address.
    public init?(_ text: String) {
        guard let value = IPv6Address.parse(text.utf8) else { return nil }
        self.value = value
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] {
        (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(112 - 16 * $0)) }
    }

    /// Whether this is an IPv4-mapped address (`::ffff:a.b.c.d`).
    public var isIPv4Mapped: Bool { value >> 32 == 0xffff }

    /// The IPv4 address inside an IPv4-mapped address, else `nil`.
    public var mappedIPv4: IPv4Address? {
        isIPv4Mapped ? IPv4Address(UInt32(truncatingIfNeeded: value)) : nil
    }

    /// RFC 5952 text.
    public var description: String {
        let groups = self.groups
        if isIPv4Mapped, let v4 = mappedIPv4 { return "::ffff:\(v4)" }
        // Find the leftmost longest run of at least two zero groups.
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                let length = index - runStart
                if length > bestLength { bestStart = runStart; bestLength = length }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var text = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }

    /// The next address, or `nil` after `ffff:…:ffff`.
    public var successor: IPv6Address? {
        let (next, overflow) = value.addingReportingOverflow(1)
        return overflow ? nil : IPv6Address(next)
    }

    /// The previous address, or `nil` before `::`.
    public var predecessor: IPv6Address? {
        let (previous, overflow) = value.subtractingReportingOverflow(1)
        return overflow ? nil : IPv6Address(previous)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool { lhs.value < rhs.value }

    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Parses RFC 4291 text from UTF-8 bytes.
    static func parse<C: Collection>(_ text: C) -> UInt128? where C.Element == UInt8 {
        let bytes = Array(text)
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var ellipsis: Int? = nil
        var index = 0
        if bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return nil }
            ellipsis = 0
            index = 2
            if index == bytes.count { return 0 }
        }
        while index < bytes.count {
            // One field: hex digits, or a dotted IPv4 tail.
            var end = index
            var value: UInt16 = 0
            while end < bytes.count, end - index < 5, let digit = hexValue(bytes[end]) {
                value = value &* 16 &+ digit
                end += 1
            }
            if end < bytes.count && bytes[end] == UInt8(ascii: ".") {
                // Embedded IPv4: must be the last field and leave room for two groups.
                guard groups.count <= 6, let v4 = IPv4Address.parseOctets(bytes[index...]) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: v4 >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4))
                index = bytes.count
                break
            }
            let length = end - index
            guard length >= 1, length <= 4 else { return nil }
            groups.append(value)
            guard groups.count <= 8 else { return nil }
            index = end
            if index == bytes.count { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < bytes.count && bytes[index] == UInt8(ascii: ":") {
                guard ellipsis == nil else { return nil }
                ellipsis = groups.count
                index += 1
                if index == bytes.count { break }
            } else if index == bytes.count {
                return nil  // a single trailing colon
            }
        }
        if let ellipsis {
            // `::` must stand for at least one zero group.
            guard groups.count <= 7 else { return nil }
            let missing = 8 - groups.count
            groups.insert(contentsOf: repeatElement(0, count: missing), at: ellipsis)
        } else {
            guard groups.count == 8 else { return nil }
        }
        var result: UInt128 = 0
        for group in groups { result = result << 16 | UInt128(group) }
        return result
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv6Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid IPv6 address '\(text)'"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
