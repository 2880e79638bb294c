import CMnl

/// Builds one netlink request with libmnl: a header, a fixed family header, and attributes.
/// The buffer is owned here; the pointer work stays inside this type.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]
    let type: UInt16
    let flags: UInt16

    /// A request of `type` with `flags` (`NLM_F_REQUEST` is added) and a fixed header.
    init(type: some BinaryInteger, flags: Int32, header: [UInt8]) {
        self.type = UInt16(type)
        self.flags = UInt16(truncatingIfNeeded: flags | NLM_F_REQUEST)
        var buffer = [UInt8](repeating: 0, count: 8192)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress, let nlh = mnl_nlmsg_put_header(base) else { return 0 }
            nlh.pointee.nlmsg_type = UInt16(type)
            nlh.pointee.nlmsg_flags = UInt16(truncatingIfNeeded: flags | NLM_F_REQUEST)
            if !header.isEmpty, let extra = mnl_nlmsg_put_extra_header(nlh, header.count) {
                header.withUnsafeBytes { source in
                    if let from = source.baseAddress { extra.copyMemory(from: from, byteCount: header.count) }
                }
            }
            return Int(nlh.pointee.nlmsg_len)
        }
        bytes = Array(buffer.prefix(length))
    }

    /// Appends an attribute with raw bytes (libmnl pads it).
    mutating func put(_ type: some BinaryInteger, _ value: [UInt8]) {
        edit { nlh in
            value.withUnsafeBytes { mnl_attr_put(nlh, UInt16(type), value.count, $0.baseAddress) }
        }
    }

    mutating func put<T: RawRepresentable>(_ type: T, _ value: [UInt8]) where T.RawValue: BinaryInteger { put(type.rawValue, value) }
    mutating func put<T: RawRepresentable>(_ type: T, u32 value: UInt32) where T.RawValue: BinaryInteger { put(type.rawValue, u32: value) }
    mutating func put<T: RawRepresentable>(_ type: T, u8 value: UInt8) where T.RawValue: BinaryInteger { put(type.rawValue, u8: value) }
    mutating func put<T: RawRepresentable>(_ type: T, string value: String) where T.RawValue: BinaryInteger { put(type.rawValue, string: value) }

    mutating func put(_ type: some BinaryInteger, u32 value: UInt32) {
        edit { nlh in mnl_attr_put_u32(nlh, UInt16(type), value) }
    }

    mutating func put(_ type: some BinaryInteger, u8 value: UInt8) {
        edit { nlh in mnl_attr_put_u8(nlh, UInt16(type), value) }
    }

    mutating func put(_ type: some BinaryInteger, string value: String) {
        edit { nlh in mnl_attr_put_strz(nlh, UInt16(type), value) }
    }

    /// Appends a nested attribute whose content `body` writes.
    mutating func nest(_ type: some BinaryInteger, _ body: (inout NetlinkRequest) -> Void) {
        var startOffset = 0
        edit { nlh in
            if let start = mnl_attr_nest_start(nlh, UInt16(type)) {
                startOffset = UnsafeRawPointer(start) - UnsafeRawPointer(nlh)
            }
        }
        body(&self)
        edit { nlh in
            let start = UnsafeMutableRawPointer(nlh).advanced(by: startOffset).assumingMemoryBound(to: nlattr.self)
            mnl_attr_nest_end(nlh, start)
        }
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
        let value = UInt32(length)
        for index in 0..<4 { bytes[index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    /// Runs `body` on the message in a buffer with room to grow, then keeps what it wrote.
    private mutating func edit(_ body: (UnsafeMutablePointer<nlmsghdr>) -> Void) {
        var buffer = bytes + [UInt8](repeating: 0, count: 4096)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let nlh = raw.baseAddress?.assumingMemoryBound(to: nlmsghdr.self) else { return 0 }
            body(nlh)
            return Int(nlh.pointee.nlmsg_len)
        }
        bytes = Array(buffer.prefix(length))
    }
}

/// Host-order bytes of fixed headers.
enum Bytes {
    static func of<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

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
