import CMnl

/// Builds one netlink request with libmnl: a header, a fixed family header, and attributes.
/// The buffer is owned here; the pointer work stays inside this type.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]
    let type: UInt16
    let flags: UInt16
    /// Why the request cannot be sent (an attribute did not fit), or `nil`. A request that
    /// failed to build keeps the bytes it had before and is refused by ``NetlinkSocket``.
    private(set) var failure: String?

    /// The most a netlink attribute can hold: its length is 16 bits, header included.
    static let maxAttributePayload = Int(UInt16.max) - 4

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
        edit(room: value.count) { nlh, size in
            value.withUnsafeBytes { mnl_attr_put_check(nlh, size, UInt16(type), value.count, $0.baseAddress) }
        }
    }

    mutating func put<T: RawRepresentable>(_ type: T, _ value: [UInt8]) where T.RawValue: BinaryInteger { put(type.rawValue, value) }
    mutating func put<T: RawRepresentable>(_ type: T, u32 value: UInt32) where T.RawValue: BinaryInteger { put(type.rawValue, u32: value) }
    mutating func put<T: RawRepresentable>(_ type: T, u8 value: UInt8) where T.RawValue: BinaryInteger { put(type.rawValue, u8: value) }
    mutating func put<T: RawRepresentable>(_ type: T, string value: String) where T.RawValue: BinaryInteger { put(type.rawValue, string: value) }

    mutating func put(_ type: some BinaryInteger, u32 value: UInt32) {
        edit(room: 4) { nlh, size in mnl_attr_put_u32_check(nlh, size, UInt16(type), value) }
    }

    mutating func put(_ type: some BinaryInteger, u8 value: UInt8) {
        edit(room: 1) { nlh, size in mnl_attr_put_u8_check(nlh, size, UInt16(type), value) }
    }

    mutating func put(_ type: some BinaryInteger, string value: String) {
        edit(room: value.utf8.count + 1) { nlh, size in mnl_attr_put_strz_check(nlh, size, UInt16(type), value) }
    }

    /// Appends a nested attribute whose content `body` writes.
    mutating func nest(_ type: some BinaryInteger, _ body: (inout NetlinkRequest) -> Void) {
        var startOffset = -1
        edit(room: 0) { nlh, size in
            guard let start = mnl_attr_nest_start_check(nlh, size, UInt16(type)) else { return false }
            startOffset = UnsafeRawPointer(start) - UnsafeRawPointer(nlh)
            return true
        }
        guard startOffset >= 0 else { return }
        body(&self)
        // The nest's length is 16 bits too.
        guard failure == nil, bytes.count - startOffset <= Int(UInt16.max) else {
            fail("nested attribute \(type) is \(bytes.count - startOffset) bytes, more than a netlink attribute can hold (65535)")
            return
        }
        edit(room: 0) { nlh, _ in
            let start = UnsafeMutableRawPointer(nlh).advanced(by: startOffset).assumingMemoryBound(to: nlattr.self)
            mnl_attr_nest_end(nlh, start)
            return true
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

    private mutating func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }

    /// Runs `body` on the message in a buffer with room for `room` more payload bytes (plus an
    /// attribute header and padding), then keeps what it wrote. `body` gets the buffer's size
    /// and uses libmnl's checked `mnl_attr_put*_check`, which refuse to write past it; when it
    /// reports `false` (or the payload cannot be one attribute), the request keeps its bytes and
    /// records ``failure``. After a failure nothing more is written.
    private mutating func edit(room: Int, _ body: (UnsafeMutablePointer<nlmsghdr>, Int) -> Bool) {
        guard failure == nil else { return }
        guard room <= NetlinkRequest.maxAttributePayload else {
            fail("an attribute of \(room) bytes is more than a netlink attribute can hold (\(NetlinkRequest.maxAttributePayload))")
            return
        }
        let size = bytes.count + align4(room) + 8
        guard size <= Int(UInt32.max) else {
            fail("the message would be \(size) bytes")
            return
        }
        var buffer = bytes + [UInt8](repeating: 0, count: size - bytes.count)
        let length = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let nlh = raw.baseAddress?.assumingMemoryBound(to: nlmsghdr.self) else { return -1 }
            guard body(nlh, raw.count) else { return -1 }
            return Int(nlh.pointee.nlmsg_len)
        }
        guard length >= 0, length <= buffer.count else {
            fail("an attribute of \(room) bytes does not fit the message")
            return
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
