import Testing
@testable import SpiderCore

@Suite("Address parsing and printing")
struct AddressParsingTests {
    @Test("IPv4 edge values print as written", arguments: [
        "0.0.0.0", "255.255.255.255", "10.6.212.100", "1.2.3.4", "127.0.0.1", "100.64.0.1",
    ])
    func ipv4RoundTrip(_ text: String) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.description == text)
    }

    @Test("IPv4 refusals", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "010.1.1.1", "1.2.3.04", " 1.2.3.4", "1.2.3.4 ",
        "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.4/32", "1.2.3.-4", "1111.1.1.1", "１.2.3.4",
    ])
    func ipv4Refusals(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test("IPv6 canonical text (RFC 5952)", arguments: [
        ("::", "::"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("::1", "::1"),
        ("ABCD:1234::1", "abcd:1234::1"),
        ("abcd:1234:0:0:0:0:0:1", "abcd:1234::1"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("1:0:0:0:1:0:0:0", "1::1:0:0:0"),
        ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
        ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("fd00:0010:0006::0132", "fd00:10:6::132"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::ffff:0102:0304", "::ffff:1.2.3.4"),
        ("::1.2.3.4", "::102:304"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("1::", "1::"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("fe80::", "fe80::"),
    ])
    func ipv6Canonical(_ input: String, _ canonical: String) throws {
        let address = try #require(IPv6Address(input))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    @Test("IPv6 refusals", arguments: [
        "", ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "12345::1", "g::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8::", "::1.2.3", "::1.2.3.256", "1.2.3.4",
        "::ffff:01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", " ::1", "::1/128",
    ])
    func ipv6Refusals(_ text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test("family-checked parsing follows Spiderpool", arguments: [
        ("172.18.40.10", IPFamily.v4, "172.18.40.10"),
        ("::ffff:172.18.40.10", .v4, "172.18.40.10"),
        ("::ffff:172.18.40.10", .v6, "::ffff:172.18.40.10"),
        ("ABCD::1", .v6, "abcd::1"),
    ])
    func familyParsing(_ text: String, _ family: IPFamily, _ printed: String) throws {
        let address = try IPAddress.parse(text, family: family)
        #expect(address.family == family)
        #expect(address.description == printed)
    }

    @Test("family-checked parsing refuses the other family", arguments: [
        ("abcd::1", IPFamily.v4), ("172.18.40.10", .v6), ("::ffff:102:304", .v4),
    ])
    func familyRefusal(_ text: String, _ family: IPFamily) {
        #expect(throws: AddressError.invalidIPFormat(text, family)) { try IPAddress.parse(text, family: family) }
    }

    @Test("successor and predecessor stop at the ends of the space")
    func successorEdges() throws {
        #expect(IPAddress("255.255.255.255")?.successor == nil)
        #expect(IPAddress("0.0.0.0")?.predecessor == nil)
        #expect(IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")?.successor == nil)
        #expect(IPAddress("::")?.predecessor == nil)
        #expect(IPAddress("10.0.0.255")?.successor == IPAddress("10.0.1.0"))
        #expect(IPAddress("::ffff")?.successor == IPAddress("::1:0"))
    }

    @Test("IPv4 addresses order before IPv6")
    func ordering() throws {
        let v4 = try #require(IPAddress("255.255.255.255"))
        let v6 = try #require(IPAddress("::"))
        #expect(v4 < v6)
    }
}

@Suite("CIDR networks")
struct NetworkTests {
    @Test("edge prefixes", arguments: [
        ("0.0.0.0/0", "0.0.0.0", "255.255.255.255", "4294967296"),
        ("10.6.0.0/16", "10.6.0.0", "10.6.255.255", "65536"),
        ("10.6.212.145/32", "10.6.212.145", "10.6.212.145", "1"),
        ("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "340282366920938463463374607431768211456"),
        ("fd00::/64", "fd00::", "fd00::ffff:ffff:ffff:ffff", "18446744073709551616"),
        ("fd00::1/128", "fd00::1", "fd00::1", "1"),
        ("172.18.40.10/24", "172.18.40.0", "172.18.40.255", "256"),
    ])
    func edges(_ text: String, _ first: String, _ last: String, _ count: String) throws {
        let network = try #require(IPNetwork(text))
        #expect(network.first.description == first)
        #expect(network.last.description == last)
        #expect(network.addressCount.description == count)
        #expect(network.description == text)
    }

    @Test("refusals", arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0/8", "fe80::/64%eth0", "10.0.0.0/8/8"])
    func refusals(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test("network form is required for subnets")
    func networkForm() throws {
        #expect(throws: AddressError.unformattedSubnet("10.6.0.5/16", canonical: "10.6.0.0/16")) {
            try IPNetwork.parseNetworkForm("10.6.0.5/16")
        }
        #expect(try IPNetwork.parseNetworkForm("fd00::/64").prefixLength == 64)
    }
}

@Suite("Ranges")
struct RangeParsingTests {
    @Test("expressions", arguments: [
        ("10.6.212.100-10.6.212.200", "10.6.212.100-10.6.212.200", "101"),
        ("10.6.212.100", "10.6.212.100", "1"),
        ("172.18.40.1-172.18.40.1", "172.18.40.1", "1"),
        ("10.0.0.0/30", "10.0.0.0-10.0.0.3", "4"),
        ("ABCD:1234::1-abcd:1234::FF", "abcd:1234::1-abcd:1234::ff", "255"),
        ("::-::1", "::-::1", "2"),
        ("0.0.0.0-255.255.255.255", "0.0.0.0-255.255.255.255", "4294967296"),
    ])
    func expressions(_ text: String, _ printed: String, _ count: String) throws {
        let range = try IPRange(parsing: text)
        #expect(range.description == printed)
        #expect(range.count.description == count)
    }

    @Test("refusals name the token", arguments: [
        ("10.0.0.5-10.0.0.1", AddressError.reversedRange("10.0.0.5-10.0.0.1")),
        ("10.0.0.1-::1", .mixedFamilies("10.0.0.1-::1")),
        ("10.0.0.1-10.0.0.2-10.0.0.3", .invalidRange("10.0.0.1-10.0.0.2-10.0.0.3")),
        ("10.0.0.1-", .invalidRange("10.0.0.1-")),
        ("-10.0.0.1", .invalidRange("-10.0.0.1")),
        ("10.0.0.300", .invalidAddress("10.0.0.300")),
        ("10.0.0.0/33", .invalidCIDRAddress("10.0.0.0/33")),
    ])
    func refusals(_ text: String, _ error: AddressError) {
        #expect(throws: error) { try IPRange(parsing: text) }
        #expect(error.description.contains(text.split(separator: "-").first.map(String.init) ?? text))
    }

    @Test("the family filter refuses the other family")
    func familyFilter() {
        #expect(throws: AddressError.wrongFamily("fd00::/64", expected: .v4)) { try IPRange(parsing: "fd00::/64", family: .v4) }
    }

    @Test("iteration covers the ends of the space without overflow")
    func iterationAtEnds() throws {
        #expect(Array(try IPRange(parsing: "255.255.255.254-255.255.255.255")).map(\.description) == ["255.255.255.254", "255.255.255.255"])
        #expect(Array(try IPRange(parsing: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).count == 2)
    }
}

@Suite("Address counts")
struct AddressCountTests {
    @Test("decimal text round trips", arguments: [
        "0", "1", "18446744073709551616", "340282366920938463463374607431768211455",
        "340282366920938463463374607431768211456", "340282366920938463463374607436063178752",
    ])
    func decimal(_ text: String) throws {
        #expect(try #require(AddressCount(text)).description == text)
    }

    @Test("refusals", arguments: ["", "-1", "1e3", "0x10", " 1", String(repeating: "9", count: 80)])
    func refusals(_ text: String) {
        #expect(AddressCount(text) == nil)
    }
}
