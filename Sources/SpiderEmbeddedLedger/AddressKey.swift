import SpiderCore

/// An address as the ledger's keys store it: its 4 (IPv4) or 16 (IPv6) bytes in network order,
/// so that byte order is numeric order within a family.
enum AddressKey {
    static func bytes(_ address: IPAddress) -> [UInt8] {
        let count = address.family == .v4 ? 4 : 16
        let value = address.value
        return (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt128(count - 1 - $0))) }
    }

    static func address(_ bytes: [UInt8]) -> IPAddress? {
        let family: IPFamily
        switch bytes.count {
        case 4: family = .v4
        case 16: family = .v6
        default: return nil
        }
        var value: UInt128 = 0
        for byte in bytes { value = value << 8 | UInt128(byte) }
        return IPAddress(family: family, value: value)
    }
}
