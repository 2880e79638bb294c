/// A 48-bit Ethernet (EUI-48) address, as `ip link` and `ip neigh` print it: `aa:bb:cc:dd:ee:ff`.
///
/// Parsing is strict: exactly six groups of two hex digits separated by `:`, in either case.
/// Printing is lower case. The address is held as a number in its low 48 bits, first byte most
/// significant.
public struct MACAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as a number: `00:00:00:00:00:01` is `1`; the top 16 bits are zero.
    public let value: UInt64

    /// `00:00:00:00:00:00`, the address of `lo`.
    public static let zero = MACAddress(checked: 0)
    /// `ff:ff:ff:ff:ff:ff`.
    public static let broadcast = MACAddress(checked: 0xffff_ffff_ffff)

    private init(checked value: UInt64) { self.value = value }

    /// The address with numeric value `value`; `nil` if it does not fit in 48 bits.
    public init?(value: UInt64) {
        guard value >> 48 == 0 else { return nil }
        self.value = value
    }

    /// The address made of six bytes, first byte first; `nil` unless there are exactly six.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.value = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (either case); `nil` for anything else.
    public init?(_ text: String) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var value: UInt64 = 0
        for group in groups {
            guard group.count == 2, group.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let byte = UInt8(group, radix: 16)
            else { return nil }
            value = value << 8 | UInt64(byte)
        }
        self.value = value
    }

    /// Parses a MAC address, or throws ``IPSyntaxError/invalidMAC(_:line:)`` naming the text.
    public static func parse(_ text: String) throws(IPSyntaxError) -> MACAddress {
        guard let address = MACAddress(text) else { throw .invalidMAC(text, line: text) }
        return address
    }

    /// The six bytes, first byte first.
    public var bytes: [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * $0)) }
    }

    /// Whether the group bit (the lowest bit of the first byte) is set.
    public var isMulticast: Bool { value >> 40 & 0x01 != 0 }

    /// Whether the locally-administered bit (the second-lowest bit of the first byte) is set,
    /// as it is for every MAC the kernel or a CNI plugin makes up.
    public var isLocallyAdministered: Bool { value >> 40 & 0x02 != 0 }

    /// Lower-case `aa:bb:cc:dd:ee:ff`.
    public var description: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: ":")
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = MACAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid MAC address '\(text)'"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
