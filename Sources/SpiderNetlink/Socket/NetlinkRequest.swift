import CNetlinkShim

/// Builds one netlink request: a header, a fixed family header, and attributes, laid out as
/// the kernel reads them (`nlmsghdr`, 4-byte aligned `nlattr`s). The bytes are owned here.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]
    let type: UInt16
    let flags: UInt16
    /// Why the request cannot be sent (an attribute did not fit), or `nil`. A request that
    /// failed to build keeps the bytes it had before and is refused by ``NetlinkSocket``.
    private(set) var failure: String?

    /// The most a netlink attribute can hold: its length is 16 bits, header included.
    static let maxAttributePayload = Int(UInt16.max) - 4
    /// `sizeof(struct nlmsghdr)`.
    static let headerLength = 16
    /// `NLA_F_NESTED`: the attribute holds attributes.
    static let nestedFlag: UInt16 = 1 << 15

    /// A request of `type` with `flags` (`NLM_F_REQUEST` is added) and a fixed header.
    init(type: some BinaryInteger, flags: Int32, header: [UInt8]) {
        self.type = UInt16(truncatingIfNeeded: type)
        self.flags = UInt16(truncatingIfNeeded: flags | NLM_F_REQUEST)
        bytes = [UInt8](repeating: 0, count: NetlinkRequest.headerLength)
        bytes.replaceSubrange(4..<6, with: Bytes.host(self.type))
        bytes.replaceSubrange(6..<8, with: Bytes.host(self.flags))
        bytes += header + [UInt8](repeating: 0, count: align4(header.count) - header.count)
        setLength(bytes.count)
    }

    /// Appends an attribute with raw bytes (padded to 4 bytes).
    mutating func put(_ type: some BinaryInteger, _ value: [UInt8]) {
        guard failure == nil else { return }
        guard value.count <= NetlinkRequest.maxAttributePayload else {
            fail("an attribute of \(value.count) bytes is more than a netlink attribute can hold (\(NetlinkRequest.maxAttributePayload))")
            return
        }
        guard bytes.count + align4(4 + value.count) <= Int(UInt32.max) else {
            fail("an attribute of \(value.count) bytes does not fit the message")
            return
        }
        bytes += Bytes.host(UInt16(4 + value.count)) + Bytes.host(UInt16(truncatingIfNeeded: type)) + value
        bytes += [UInt8](repeating: 0, count: align4(bytes.count) - bytes.count)
        setLength(bytes.count)
    }

    mutating func put<T: RawRepresentable>(_ type: T, _ value: [UInt8]) where T.RawValue: BinaryInteger { put(type.rawValue, value) }
    mutating func put<T: RawRepresentable>(_ type: T, u32 value: UInt32) where T.RawValue: BinaryInteger { put(type.rawValue, u32: value) }
    mutating func put<T: RawRepresentable>(_ type: T, u8 value: UInt8) where T.RawValue: BinaryInteger { put(type.rawValue, u8: value) }
    mutating func put<T: RawRepresentable>(_ type: T, string value: String) where T.RawValue: BinaryInteger { put(type.rawValue, string: value) }

    /// A 32-bit attribute in host byte order.
    mutating func put(_ type: some BinaryInteger, u32 value: UInt32) { put(type, Bytes.host(value)) }

    /// An 8-bit attribute.
    mutating func put(_ type: some BinaryInteger, u8 value: UInt8) { put(type, [value]) }

    /// A NUL-terminated string attribute.
    mutating func put(_ type: some BinaryInteger, string value: String) { put(type, Array(value.utf8) + [0]) }

    /// Appends a nested attribute (`NLA_F_NESTED`) whose content `body` writes.
    mutating func nest(_ type: some BinaryInteger, _ body: (inout NetlinkRequest) -> Void) {
        guard failure == nil else { return }
        let startOffset = bytes.count
        bytes += Bytes.host(UInt16(4)) + Bytes.host(UInt16(truncatingIfNeeded: type) | NetlinkRequest.nestedFlag)
        setLength(bytes.count)
        body(&self)
        // The nest's length is 16 bits too.
        guard failure == nil, bytes.count - startOffset <= Int(UInt16.max) else {
            let size = bytes.count - startOffset
            if failure == nil {
                // Nothing of the nest stays: the request keeps what it had before it.
                bytes.removeSubrange(startOffset...)
                setLength(bytes.count)
                fail("nested attribute \(type) is \(size) bytes, more than a netlink attribute can hold (65535)")
            }
            return
        }
        patch16(at: startOffset, UInt16(bytes.count - startOffset))
    }

    /// Appends raw bytes (an `rtnexthop` header, say) and returns their offset.
    @discardableResult
    mutating func append(raw: [UInt8]) -> Int {
        let offset = bytes.count
        bytes += raw + [UInt8](repeating: 0, count: align4(raw.count) - raw.count)
        setLength(bytes.count)
        return offset
    }

    /// Overwrites a little-endian UInt16 at `offset` (to patch a length).
    mutating func patch16(at offset: Int, _ value: UInt16) {
        bytes[offset] = UInt8(value & 0xff)
        bytes[offset + 1] = UInt8(value >> 8)
    }

    private mutating func setLength(_ length: Int) {
        bytes.replaceSubrange(0..<4, with: Bytes.host(UInt32(truncatingIfNeeded: length)))
    }

    private mutating func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }
}

/// Host-order bytes of fixed headers.
enum Bytes {
    static func of<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// The bytes of `value` in host byte order (netlink's order for its own fields).
    static func host<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// Network-order bytes of an address.
    static func address(_ address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let a): withUnsafeBytes(of: a.value.bigEndian) { Array($0) }
        case .v6(let a): (0..<16).map { UInt8(truncatingIfNeeded: a.value >> UInt128(120 - 8 * $0)) }
        }
    }

    static func family(_ family: IPFamily) -> UInt8 { family == .v4 ? 2 : 10 }
}

import SpiderCore
