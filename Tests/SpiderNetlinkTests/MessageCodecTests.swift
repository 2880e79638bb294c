import Testing
import SpiderCore
@testable import SpiderNetlink

/// Root-free checks of the bytes we send and the way we read the kernel's answers, against hex
/// written by hand from the rtnetlink headers.
@Suite("Netlink message encoding (hex goldens)")
struct MessageCodecTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(digits[$0...$0 + 1]), radix: 16) }
    }

    @Test("RTM_NEWRULE: from 10.6.212.145 lookup 101 priority 32765")
    func ruleAdd() throws {
        let rule = try RoutingRule(parsing: "32765: from 10.6.212.145 lookup 101")
        let request = RequestEncoder.rule(rule, delete: false)
        // nlmsghdr: len 52, type 32 (RTM_NEWRULE), flags REQUEST|ACK|EXCL|CREATE = 0x0605, seq 0, pid 0
        // fib_rule_hdr: family 2, dst_len 0, src_len 32, tos 0, table 101, res 0 0, action 1 (to table), flags 0
        // FRA_PRIORITY 32765, FRA_SRC 10.6.212.145, FRA_TABLE 101
        let expected = "34000000 2000 0506 00000000 00000000" + "02002000 65000001 00000000"
            + "08000600 fd7f0000" + "08000200 0a06d491" + "08000f00 65000000"
        #expect(Self.hex(request.bytes) == expected.replacingOccurrences(of: " ", with: ""))
    }

    @Test("RTM_NEWROUTE: 10.6.212.132 dev 7 scope link src 10.233.73.210 table 101")
    func routeAdd() throws {
        let route = try Route(parsing: "10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101")
        let request = try RequestEncoder.route(route, resolve: { $0 == "eth0" ? 7 : nil })
        // rtmsg: family 2, dst_len 32, src_len 0, tos 0, table 101, protocol 3 (boot), scope 253 (link), type 1; flags 0
        let expected = "3c000000 1800 0506 00000000 00000000" + "02200000 6503fd01 00000000"
            + "08000f00 65000000" + "08000100 0a06d484" + "08000400 07000000" + "08000700 0ae949d2"
        #expect(Self.hex(request.bytes) == expected.replacingOccurrences(of: " ", with: ""))
    }

    @Test("RTM_NEWNEIGH: 10.6.212.132 lladdr ee:ee:ee:ee:ee:ee dev 2 nud permanent")
    func neighbourAdd() throws {
        let neighbour = try Neighbour(parsing: "10.6.212.132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT")
        let request = RequestEncoder.neighbour(neighbour, index: 2, delete: false)
        // ndmsg: family 2, pad, pad16, ifindex 2, state 0x80, flags 0, type 0
        let expected = "30000000 1c00 0506 00000000 00000000" + "02000000 02000000 80000000"
            + "08000100 0a06d484" + "0a000200 eeeeeeeeeeee 0000"
        #expect(Self.hex(request.bytes) == expected.replacingOccurrences(of: " ", with: ""))
    }

    @Test("an RTM_NEWROUTE answer decodes: IPv6 multipath default")
    func decodeMultipath() throws {
        // rtmsg: family 10, dst_len 0, table 254, proto 3, scope 0, type 1; RTA_TABLE 254, RTA_PRIORITY 1024, RTA_PREF 0,
        // RTA_MULTIPATH: [len 28 flags 0 hops 0 ifindex 2 {RTA_GATEWAY fe80::1}] [len 28 hops 0 ifindex 6 {RTA_GATEWAY fd00::1}]
        let payload = Self.bytes("0a000000 fe030001 00000000" + "08000f00 fe000000" + "08000600 00040000" + "05001400 00000000"
            + "3c000900" + "1c000000 02000000" + "14000500 fe800000000000000000000000000001"
            + "1c000000 06000000" + "14000500 fd000000000000000000000000000001")
        let message = NetlinkMessage(type: 24, flags: 2, payload: payload)
        let route = try #require(StateDecoder.route(message, names: [2: "eth0", 6: "net1"]))
        #expect(route.description == "default metric 1024 pref medium nexthop via fe80::1 dev eth0 weight 1 nexthop via fd00::1 dev net1 weight 1")
    }

    @Test("attributes past the end of a message are never read")
    func truncatedAttributes() {
        let attributes = NetlinkAttributes(bytes: Self.bytes("0c00 0100 0a06d491"))
        #expect(attributes.entries.isEmpty)
    }

    @Test("sysctl keys with dotted interface names map to /proc/sys paths", arguments: [
        ("net.ipv4.conf.all.rp_filter", "/proc/sys/net/ipv4/conf/all/rp_filter"),
        ("net.ipv6.conf.eth0.100.accept_ra", "/proc/sys/net/ipv6/conf/eth0.100/accept_ra"),
        ("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"),
    ])
    func sysctlPaths(_ key: String, _ path: String) {
        #expect(Sysctl.path(key) == path)
    }
}
