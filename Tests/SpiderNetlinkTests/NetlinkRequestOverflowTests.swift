import Testing
import SpiderCore
@testable import SpiderNetlink

/// Issue 14, item 24: what cannot be one netlink attribute (more than 65 535 bytes) is refused
/// with a clear error, and nothing is written past the buffer. Root-free.
@Suite("Netlink requests: attributes too large for netlink are refused")
struct NetlinkRequestOverflowTests {
    @Test("a 70 000-byte attribute leaves the request as it was and marks it as failed")
    func oversizedAttribute() throws {
        var request = NetlinkRequest(type: 24, flags: 0, header: [UInt8](repeating: 0, count: 12))
        request.put(1, u32: 7)
        let before = request.bytes
        request.put(9, [UInt8](repeating: 0xab, count: 70_000))
        #expect(request.bytes == before)
        let failure = try #require(request.failure)
        #expect(failure.contains("70000 bytes") && failure.contains("65531"), "\(failure)")
        request.put(2, u32: 8)
        #expect(request.bytes == before, "nothing is added after a failure")
    }

    @Test("a multipath route whose RTA_MULTIPATH exceeds 64 KiB cannot be sent: a clear error, not a truncated length")
    func oversizedMultipath() throws {
        var route = try Route(parsing: "10.9.0.0/16 table 101")
        route.nexthops = (0..<5000).map { Nexthop(gateway: .v4(IPv4Address(0x0a00_0000 + UInt32($0))), device: "lo") }
        let request = try RequestEncoder.route(route, resolve: { _ in 1 })
        #expect(request.failure != nil)
        let socket = try NetlinkSocket()
        do {
            try socket.change(request, operation: "ip route add 10.9.0.0/16 (5000 paths)")
            Issue.record("the request was sent")
        } catch {
            #expect(error.description.contains("cannot be built") && error.description.contains("5000 paths"), "\(error)")
        }
    }

    @Test("a nest whose content exceeds 64 KiB is refused")
    func oversizedNest() throws {
        var request = NetlinkRequest(type: 16, flags: 0, header: [UInt8](repeating: 0, count: 16))
        request.nest(18) { info in
            for _ in 0..<3 { info.put(1, [UInt8](repeating: 1, count: 30_000)) }
        }
        #expect(request.failure?.contains("nested attribute") == true, "\(request.failure ?? "no failure")")
    }
}
