/// One netlink message as received: its header fields and payload bytes (host byte order),
/// with bounds-checked readers. No pointers escape this type.
struct NetlinkMessage: Sendable {
    var type: UInt16
    var flags: UInt16
    /// The bytes after the 16-byte `nlmsghdr`.
    var payload: [UInt8]

    /// A fixed header (`ifinfomsg`, `rtmsg`, …) of `size` bytes at the start of the payload.
    func header(_ size: Int) -> ArraySlice<UInt8>? { payload.count >= size ? payload[0..<size] : nil }

    /// The attributes that follow a fixed header of `headerSize` bytes.
    func attributes(after headerSize: Int) -> NetlinkAttributes {
        NetlinkAttributes(bytes: payload, from: min(align4(headerSize), payload.count))
    }
}

@inline(__always) func align4(_ n: Int) -> Int { (n + 3) & ~3 }

/// Reads host-order integers from byte slices.
extension ArraySlice where Element == UInt8 {
    func u8(_ offset: Int) -> UInt8 { self[startIndex + offset] }
    func u16(_ offset: Int) -> UInt16 { UInt16(u8(offset)) | UInt16(u8(offset + 1)) << 8 }
    func u32(_ offset: Int) -> UInt32 {
        UInt32(u8(offset)) | UInt32(u8(offset + 1)) << 8 | UInt32(u8(offset + 2)) << 16 | UInt32(u8(offset + 3)) << 24
    }
    func i32(_ offset: Int) -> Int32 { Int32(bitPattern: u32(offset)) }
}

/// A list of `rtattr`s, indexed by type: where each value lies in the message's bytes (no copy
/// until a value is asked for; a link dump carries dozens of attributes per link and we read a
/// few).
struct NetlinkAttributes: Sendable {
    /// The bytes the attributes lie in.
    let bytes: [UInt8]
    /// Each attribute's type and where its value lies in ``bytes``.
    var entries: [(type: UInt16, range: Range<Int>)] = []

    /// The attributes of `bytes` from `start` on.
    init(bytes: [UInt8], from start: Int = 0) {
        self.bytes = bytes
        var offset = start
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & 0x3FFF  // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
            guard length >= 4, offset + length <= bytes.count else { break }
            entries.append((type, (offset + 4)..<(offset + length)))
            offset += align4(length)
        }
    }

    func value(_ type: some BinaryInteger) -> [UInt8]? {
        let wanted = UInt16(type)
        for entry in entries where entry.type == wanted { return Array(bytes[entry.range]) }
        return nil
    }

    // Imported C enums (`rtattr_type_t`, …) arrive as raw-representable structs.
    func value<T: RawRepresentable>(_ type: T) -> [UInt8]? where T.RawValue: BinaryInteger { value(type.rawValue) }
    func u8<T: RawRepresentable>(_ type: T) -> UInt8? where T.RawValue: BinaryInteger { u8(type.rawValue) }
    func u32<T: RawRepresentable>(_ type: T) -> UInt32? where T.RawValue: BinaryInteger { u32(type.rawValue) }
    func string<T: RawRepresentable>(_ type: T) -> String? where T.RawValue: BinaryInteger { string(type.rawValue) }
    func address<T: RawRepresentable>(_ type: T, family: IPFamilyCode) -> IPAddressValue? where T.RawValue: BinaryInteger {
        address(type.rawValue, family: family)
    }

    func u8(_ type: some BinaryInteger) -> UInt8? { value(type).flatMap { $0.count >= 1 ? $0[0] : nil } }

    func u32(_ type: some BinaryInteger) -> UInt32? {
        guard let bytes = value(type), bytes.count >= 4 else { return nil }
        return bytes[0...].u32(0)
    }

    func string(_ type: some BinaryInteger) -> String? {
        guard let bytes = value(type) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    func nested(_ type: some BinaryInteger) -> NetlinkAttributes? { value(type).map { NetlinkAttributes(bytes: $0) } }

    /// An address attribute of `family` (network byte order in the message).
    func address(_ type: some BinaryInteger, family: IPFamilyCode) -> IPAddressValue? {
        guard let bytes = value(type) else { return nil }
        return IPAddressValue(bytes: bytes, family: family)
    }
}

/// `AF_INET` / `AF_INET6`.
enum IPFamilyCode: UInt8 {
    case inet = 2
    case inet6 = 10
}

/// An address decoded from network-order bytes.
struct IPAddressValue {
    var family: IPFamilyCode
    var value: UInt128

    init?(bytes: [UInt8], family: IPFamilyCode) {
        let size = family == .inet ? 4 : 16
        guard bytes.count >= size else { return nil }
        self.family = family
        value = bytes.prefix(size).reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }
}
