import Testing
import SpiderCore
@testable import SpiderNetlink

/// Issue 14, item 24: `NetlinkRequest` gave libmnl 4 KiB of headroom and called the unchecked
/// `mnl_attr_put`, so one attribute larger than that (a big `RTA_MULTIPATH` copied from observed
/// state) was written past the buffer. Root-free.
@Suite("Netlink requests: attributes larger than 4 KiB")
struct NetlinkRequestBoundsTests {
    /// The little-endian u32 at `offset`.
    static func u32(_ bytes: [UInt8], _ offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    static func u16(_ bytes: [UInt8], _ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }

    @Test("a 10 000-byte attribute is written whole: message length, attribute length and content agree")
    func largeAttribute() throws {
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var request = NetlinkRequest(type: 24, flags: 0, header: [UInt8](repeating: 0, count: 12))
        request.put(1, u32: 0xdead_beef)
        request.put(9, payload)
        request.put(2, u32: 0x0102_0304)
        let bytes = request.bytes
        // 16 (nlmsghdr) + 12 (rtmsg) + 8 (u32 attribute) + 4 + 10 000 + 8 (u32 attribute)
        #expect(bytes.count == 16 + 12 + 8 + 4 + 10_000 + 8, "\(bytes.count) bytes")
        #expect(Self.u32(bytes, 0) == bytes.count, "nlmsg_len \(Self.u32(bytes, 0)) for \(bytes.count) bytes")
        let attribute = 16 + 12 + 8
        #expect(Self.u16(bytes, attribute) == 4 + 10_000 && Self.u16(bytes, attribute + 2) == 9)
        #expect(Array(bytes[(attribute + 4)..<(attribute + 4 + 10_000)]) == payload)
        #expect(Self.u32(bytes, attribute + 4 + 10_000 + 4) == 0x0102_0304)
    }

    @Test("a multipath route of 2 000 paths (RTA_MULTIPATH of 32 KB) is encoded whole")
    func largeMultipath() throws {
        var route = try Route(parsing: "10.9.0.0/16 table 101")
        route.nexthops = (0..<2000).map { Nexthop(gateway: .v4(IPv4Address(0x0a00_0000 + UInt32($0))), device: "lo") }
        let request = try RequestEncoder.route(route, resolve: { _ in 1 })
        let bytes = request.bytes
        #expect(Self.u32(bytes, 0) == bytes.count, "nlmsg_len \(Self.u32(bytes, 0)) for \(bytes.count) bytes")
        #expect(bytes.count > 2000 * 16, "\(bytes.count) bytes")
    }
}
