import Foundation
import Testing
@testable import SpiderCore

/// The `ip` syntax strings of the coordinator golden files, found by walking every
/// `Tests/Fixtures/golden/coordinator/*.json`: `routes` and `tables.*` (routes), `rules`, `neighbours`,
/// `addresses` and `links`, each with the family of the block it sits in (`v6` or not).
private struct CoordinatorGolden {
    struct Entry: CustomStringConvertible {
        let file: String
        let path: String
        let family: IPFamily
        let text: String
        var description: String { "\(file) \(path): \(text)" }
    }

    var routes: [Entry] = []
    var rules: [Entry] = []
    var neighbours: [Entry] = []
    var addresses: [Entry] = []
    var links: [(file: String, path: String, object: [String: Any])] = []

    /// Loads every coordinator case; a missing folder or file is a failure that names the path.
    static func load() throws -> CoordinatorGolden {
        let directory = GoldenFixtures.goldenDirectory.appendingPathComponent("coordinator")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw GoldenFixtures.Missing(description: "golden folder \(directory.path) is missing from this checkout")
        }
        var golden = CoordinatorGolden()
        for name in names.sorted() where name.hasSuffix(".json") {
            let object = try JSONSerialization.jsonObject(with: GoldenFixtures.data("coordinator/" + name))
            golden.walk(object, file: name, path: "", family: .v4)
        }
        guard !golden.routes.isEmpty else {
            throw GoldenFixtures.Missing(description: "no routes found in \(directory.path)")
        }
        return golden
    }

    private mutating func walk(_ value: Any, file: String, path: String, family: IPFamily) {
        if let array = value as? [Any] {
            for (index, item) in array.enumerated() { walk(item, file: file, path: "\(path)[\(index)]", family: family) }
            return
        }
        guard let object = value as? [String: Any] else { return }
        for (key, item) in object.sorted(by: { $0.key < $1.key }) {
            let here = path + "." + key
            let strings = (item as? [Any])?.compactMap { $0 as? String } ?? []
            func entries() -> [Entry] { strings.map { Entry(file: file, path: here, family: family, text: $0) } }
            switch key {
            case "routes": routes += entries()
            case "tables":
                for (table, list) in (item as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let texts = (list as? [Any])?.compactMap { $0 as? String } ?? []
                    routes += texts.map { Entry(file: file, path: here + "." + table, family: family, text: $0) }
                }
            case "rules": rules += entries()
            case "neighbours": neighbours += entries()
            case "addresses": addresses += entries()
            case "links":
                for (index, link) in ((item as? [Any]) ?? []).enumerated() {
                    if let link = link as? [String: Any] { links.append((file, "\(here)[\(index)]", link)) }
                    walk(link, file: file, path: "\(here)[\(index)]", family: family)
                }
            case "v6": walk(item, file: file, path: here, family: .v6)
            default: walk(item, file: file, path: here, family: family)
            }
        }
    }
}

/// Parses a route, failing the test with the error's message when it throws.
private func route(_ line: String, family: IPFamily? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Route {
    do {
        return try Route(parsing: line, family: family)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The ``IPSyntaxError`` `body` throws, or `nil` when it throws nothing (or another error).
private func syntaxError(_ body: () throws -> Void) -> IPSyntaxError? {
    do {
        try body()
        return nil
    } catch {
        return error as? IPSyntaxError
    }
}

@Suite("ip syntax: routes, rules, neighbours, addresses, MACs, links")
struct IPSyntaxTests {
    // MARK: Routes

    static let ipv4Routes = [
        "default via 169.254.1.1 dev eth0",
        "10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.145",
        "10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101",
        "10.233.0.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
        "default via 172.100.0.2 dev veth0 src 172.100.0.210 table 100",
        "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100",
        "10.1.0.0/16 via 10.0.0.1 dev eth0 proto static metric 20 onlink",
        "blackhole 10.9.0.0/16",
        "unreachable 10.8.0.0/16 proto static metric 5",
        "prohibit 10.7.0.0/16 table 7",
        "throw 10.5.0.0/16 table 200",
        "local 10.6.212.145 dev net1 proto kernel scope host src 10.6.212.145 table local",
        "broadcast 10.6.255.255 dev net1 proto kernel scope link src 10.6.212.145 table local",
        "default via inet6 fe80::1 dev eth0",
        "default proto static metric 10 nexthop via 10.0.0.1 dev eth0 weight 1 nexthop via 10.0.1.1 dev eth1 weight 3 onlink",
        "default nexthop via 10.0.0.1 dev eth0 weight 1 nexthop via 10.0.1.1 dev eth1 weight 1 table 100",
        "10.2.0.0/16 via 10.0.0.1 dev eth0 mtu lock 1400 initcwnd 10",
        "10.3.0.0/16 dev eth0 proto 99 scope 7",
        "default via 10.0.0.1 dev eth0 table 4294967295",
        "default via 10.0.0.1 dev eth0 table default",
    ]

    static let ipv6Routes = [
        "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium",
        "fd85:ee78:d8a6:8607::1:eb84 dev eth0 proto kernel metric 256 pref medium",
        "default metric 1024 pref medium nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
        "default via fd00:10:6::1 dev net1 metric 1024 pref medium table 101",
        "fd85:ee78:d8a6:8607::1:0/112 via fd00:10:6::132 dev eth0 metric 1024 pref medium",
        "2001:db8::/64 dev eth0 proto ra metric 1024 hoplimit 64 pref high",
        "unreachable 2001:db8:1::/48 dev lo metric 1024 pref medium",
        "local fd00:10:6::2e5 dev net1 table local proto kernel metric 0 pref medium",
        "multicast ff00::/8 dev eth0 proto kernel metric 256 pref medium table local",
        "anycast fd00:10:6:: dev net1 proto kernel metric 0 pref medium table local",
        "fd00::/8 dev eth0 src fd00::5 metric 10 onlink pref low",
    ]

    @Test("IPv4 routes print back as parsed", arguments: ipv4Routes)
    func ipv4RoundTrip(_ line: String) throws {
        let parsed = try route(line, family: .v4)
        #expect(parsed.family == .v4)
        #expect(parsed.description == line)
        #expect(try route(parsed.command.joined(separator: " "), family: .v4) == parsed)
    }

    @Test("IPv6 routes parse, print canonically and recreate from their command", arguments: ipv6Routes)
    func ipv6RoundTrip(_ line: String) throws {
        let parsed = try route(line, family: .v6)
        #expect(parsed.family == .v6)
        let printed = parsed.description
        #expect(try route(printed, family: .v6) == parsed)
        #expect(try route(printed) == parsed)
        #expect(try route(parsed.command.joined(separator: " "), family: .v6) == parsed)
        if !line.contains(" table local proto") { #expect(printed == line) }
    }

    @Test("golden routes: parse∘print is the identity, and the command recreates the route")
    func goldenRoutes() throws {
        let golden = try CoordinatorGolden.load()
        #expect(golden.routes.count > 40, "expected every coordinator case's routes, found \(golden.routes.count)")
        for entry in golden.routes {
            let parsed = try route(entry.text, family: entry.family)
            #expect(parsed.description == entry.text, "\(entry)")
            #expect(parsed.family == entry.family, "\(entry)")
            #expect(try route(entry.text) == parsed, "family inferred: \(entry)")
            let command = parsed.command.joined(separator: " ")
            #expect(try route(command, family: parsed.family) == parsed, "command '\(command)' for \(entry)")
            #expect(try route(command) == parsed, "command '\(command)' without a family for \(entry)")
        }
    }

    @Test("a route's fields and its ip route add command")
    func routeFields() throws {
        let parsed = try route("10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101")
        #expect(parsed.destination == IPNetwork("10.6.212.132/32"))
        #expect(parsed.device == "eth0")
        #expect(parsed.scope == .link)
        #expect(parsed.preferredSource == IPAddress("10.233.73.210"))
        #expect(parsed.table == 101)
        #expect(parsed.protocol == .boot)
        #expect(parsed.metric == nil)
        #expect(parsed.command == ["10.6.212.132", "dev", "eth0", "scope", "link", "src", "10.233.73.210", "table", "101"])

        let kernel = try route("10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.145")
        #expect(kernel.protocol == .kernel)
        #expect(kernel.command == ["10.6.0.0/16", "dev", "net1", "proto", "kernel", "scope", "link", "src", "10.6.212.145"])

        let gateway = try route("default via 10.6.0.1 dev net1")
        #expect(gateway.isDefault)
        #expect(gateway.destination == IPNetwork("0.0.0.0/0"))
        #expect(gateway.gateway == IPAddress("10.6.0.1"))
        #expect(gateway.command == ["default", "via", "10.6.0.1", "dev", "net1"])
    }

    @Test("ip route add's implicit scope is written out as scope global")
    func implicitScope() throws {
        let parsed = try route("10.0.0.0/8 dev eth0 scope global")
        #expect(parsed.scope == .universe)
        #expect(parsed.description == "10.0.0.0/8 dev eth0")
        #expect(parsed.command == ["10.0.0.0/8", "dev", "eth0", "scope", "global"])
        #expect(try route("blackhole 10.0.0.0/8").command == ["blackhole", "10.0.0.0/8"])
        #expect(try route("local 10.0.0.1 dev lo table local").command == ["local", "10.0.0.1", "dev", "lo", "scope", "global", "table", "local"])
    }

    @Test("multipath: the command puts the table before the paths; ip's multi-line form parses")
    func multipath() throws {
        let line = "default metric 1024 pref medium nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1 table 101"
        let parsed = try route(line)
        #expect(parsed.family == .v6)
        #expect(parsed.table == 101)
        #expect(parsed.nexthops == [
            Nexthop(gateway: IPAddress("fe80::ecee:eeff:feee:eeee"), device: "eth0"),
            Nexthop(gateway: IPAddress("fd00:10:6::1"), device: "net1"),
        ])
        #expect(parsed.command == ["default", "metric", "1024", "pref", "medium", "table", "101",
                                   "nexthop", "via", "fe80::ecee:eeff:feee:eeee", "dev", "eth0", "weight", "1",
                                   "nexthop", "via", "fd00:10:6::1", "dev", "net1", "weight", "1"])
        let multiLine = "default metric 1024 pref medium\n\tnexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 \n\tnexthop via fd00:10:6::1 dev net1 weight 1 "
        #expect(try route(multiLine).description == String(line.dropLast(" table 101".count)))
        #expect(try route("default nexthop via 10.0.0.1 dev eth0").nexthops.first?.weight == 1)
    }

    @Test("a gateway of the other family is written via inet6")
    func viaInet6() throws {
        let v4 = try route("default via inet6 fe80::1 dev eth0", family: .v4)
        #expect(v4.family == .v4)
        #expect(v4.gateway == IPAddress("fe80::1"))
        #expect(v4.description == "default via inet6 fe80::1 dev eth0")
        #expect(try route("10.0.0.0/8 via fe80::1 dev eth0").description == "10.0.0.0/8 via inet6 fe80::1 dev eth0")
        // Without a family the first address decides, as with ip route add.
        #expect(try route("default via inet6 fe80::1 dev eth0").family == .v6)
        #expect(try route("default via inet6 fe80::1 dev eth0").description == "default via fe80::1 dev eth0")
    }

    @Test("kernel state is dropped; unmodelled attributes are kept; IPv6 has no scope")
    func attributes() throws {
        #expect(try route("default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100 linkdown").description
            == "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100")
        let ra = try route("2001:db8::/64 dev eth0 proto ra metric 1024 expires 1790sec hoplimit 64 pref medium")
        #expect(ra.description == "2001:db8::/64 dev eth0 proto ra metric 1024 hoplimit 64 pref medium")
        #expect(ra.extraAttributes == ["hoplimit", "64"])
        let v6 = try route("fd00::/64 dev eth0 scope link")
        #expect(v6.scope == .universe)
        #expect(v6.description == "fd00::/64 dev eth0")
        #expect(try route("to 10.0.0.0/8 dev eth0 priority 7").metric == 7)
        #expect(try route("10.0.0.0/8 dev eth0 preference 7").metric == 7)
        #expect(try route("10.0.0.0/8 oif eth0").device == "eth0")
        #expect(try route("blackhole default", family: .v6).description == "blackhole default")
    }

    @Test("route keys: table, family, network, metric (IPv6 default 1024), type")
    func routeKeys() throws {
        let plain = try route("fd00::/64 dev eth0")
        let explicit = try route("fd00::/64 via fd00::1 dev eth1 metric 1024 pref medium")
        #expect(plain.key == explicit.key)
        #expect(plain.key.metric == 1024)
        #expect(try route("fd00::/64 dev eth0 metric 256").key != plain.key)
        #expect(try route("fd00::/64 dev eth0 table 100").key != plain.key)
        #expect(try route("10.0.0.0/8 dev eth0").key.metric == 0)
        #expect(try route("10.0.0.0/8 dev eth0").key == route("10.0.0.0/8 via 10.0.0.1 dev eth1 metric 0").key)
        #expect(try route("blackhole 10.0.0.0/8").key != route("10.0.0.0/8 dev eth0").key)
        let hostBits = try #require(IPNetwork("10.1.2.3/8"))
        #expect(RouteKey(table: .main, family: .v4, destination: hostBits, metric: 0, type: .unicast).destination
            == IPNetwork("10.0.0.0/8"))
    }

    /// Lines that must be refused, the error, and the token its message must name.
    static let badRoutes: [(line: String, family: IPFamily?, error: IPSyntaxError, token: String)] = [
        ("10.0.0.300/8 dev eth0", nil, .invalidAddress("10.0.0.300/8", line: "10.0.0.300/8 dev eth0"), "10.0.0.300/8"),
        ("10.0.0.0/8 via 10.0.0.x dev eth0", nil, .invalidAddress("10.0.0.x", line: "10.0.0.0/8 via 10.0.0.x dev eth0"), "10.0.0.x"),
        ("10.0.0.0/8 dev eth0 frobnicate", nil, .unknownKeyword("frobnicate", line: "10.0.0.0/8 dev eth0 frobnicate"), "frobnicate"),
        ("frobnicate 10.0.0.0/8", nil, .unknownKeyword("frobnicate", line: "frobnicate 10.0.0.0/8"), "frobnicate"),
        ("10.0.0.0/8 dev", nil, .missingArgument(keyword: "dev", line: "10.0.0.0/8 dev"), "dev"),
        ("10.0.0.0/8 dev eth0 metric ten", nil, .invalidNumber("ten", keyword: "metric", line: "10.0.0.0/8 dev eth0 metric ten"), "ten"),
        ("10.0.0.0/8 dev eth0 metric 4294967296", nil, .invalidNumber("4294967296", keyword: "metric", line: "10.0.0.0/8 dev eth0 metric 4294967296"), "4294967296"),
        ("10.0.0.1/8 dev eth0", nil, .hostBitsSet("10.0.0.1/8", network: "10.0.0.0/8", line: "10.0.0.1/8 dev eth0"), "10.0.0.1/8"),
        ("default dev eth0", nil, .missingFamily("default", line: "default dev eth0"), "default"),
        ("10.0.0.0/8 dev eth0 src fd00::1", nil, .familyMismatch("fd00::1", expected: .v4, line: "10.0.0.0/8 dev eth0 src fd00::1"), "fd00::1"),
        ("fd00::/64 via 10.0.0.1 dev eth0", nil, .familyMismatch("10.0.0.1", expected: .v6, line: "fd00::/64 via 10.0.0.1 dev eth0"), "10.0.0.1"),
        ("10.0.0.0/8 dev eth0", .v6, .familyMismatch("10.0.0.0/8", expected: .v6, line: "10.0.0.0/8 dev eth0"), "10.0.0.0/8"),
        ("default via inet6 10.0.0.1", nil, .familyMismatch("10.0.0.1", expected: .v6, line: "default via inet6 10.0.0.1"), "10.0.0.1"),
        ("10.0.0.0/8 dev eth0 dev eth1", nil, .duplicateKeyword("dev", line: "10.0.0.0/8 dev eth0 dev eth1"), "dev"),
        ("10.0.0.0/8 dev eth0 scope galaxy", nil, .invalidValue("galaxy", keyword: "scope", line: "10.0.0.0/8 dev eth0 scope galaxy"), "galaxy"),
        ("10.0.0.0/8 dev eth0 proto nobody", nil, .invalidValue("nobody", keyword: "proto", line: "10.0.0.0/8 dev eth0 proto nobody"), "nobody"),
        ("fd00::/8 dev eth0 pref urgent", nil, .invalidValue("urgent", keyword: "pref", line: "fd00::/8 dev eth0 pref urgent"), "urgent"),
        ("default nexthop via 10.0.0.1 dev eth0 weight 0", nil, .invalidNumber("0", keyword: "weight", line: "default nexthop via 10.0.0.1 dev eth0 weight 0"), "0"),
        ("default nexthop weight 2", .v4, .missingArgument(keyword: "nexthop", line: "default nexthop weight 2"), "nexthop"),
        ("dev eth0", nil, .missingField("destination", line: "dev eth0"), "destination"),
        ("10.0.0.0/8 10.1.0.0/16 dev eth0", nil, .unknownKeyword("10.1.0.0/16", line: "10.0.0.0/8 10.1.0.0/16 dev eth0"), "10.1.0.0/16"),
        ("  ", nil, .emptyLine("  "), ""),
    ]

    @Test("bad routes are refused with a message naming the token and the line", arguments: badRoutes.indices)
    func badRoute(_ index: Int) {
        let (line, family, expected, token) = IPSyntaxTests.badRoutes[index]
        let error = syntaxError { _ = try Route(parsing: line, family: family) }
        #expect(error == expected)
        #expect(error?.description.contains("'\(token)'") == true || token.isEmpty, "\(String(describing: error))")
        #expect(error?.description.contains("'\(line)'") == true, "\(String(describing: error))")
        #expect(error?.line == line)
    }

    // MARK: Rules

    static let ipv4Rules = [
        "1000: from all lookup 500",
        "32765: from 10.6.212.145 lookup 101",
        "1000: from all fwmark 0x1 lookup 100",
        "100: from 10.0.0.0/8 to 192.168.0.0/16 lookup main",
        "200: not from all iif eth0 lookup 7",
        "300: from all fwmark 0x10/0xff oif net1 lookup local",
        "301: from all fwmark 0/0xff lookup 3",
        "0: from all lookup local",
        "32767: from all lookup default",
        "from 10.1.2.3 lookup 4294967295",
    ]

    static let ipv6Rules = [
        "32764: from fd85:ee78:d8a6:8607::1:eb84 lookup 100",
        "1000: from all lookup 500",
        "5: from fd00::/64 to fd01::1 iif eth0 oif net1 lookup 9",
    ]

    @Test("IPv4 rules print back as parsed", arguments: ipv4Rules)
    func ipv4Rule(_ line: String) throws {
        let rule = try RoutingRule(parsing: line, family: .v4)
        #expect(rule.description == line)
        #expect(try RoutingRule(parsing: rule.command.joined(separator: " "), family: .v4) == rule)
    }

    @Test("IPv6 rules print back as parsed", arguments: ipv6Rules)
    func ipv6Rule(_ line: String) throws {
        let rule = try RoutingRule(parsing: line, family: .v6)
        #expect(rule.family == .v6)
        #expect(rule.description == line)
        #expect(try RoutingRule(parsing: rule.command.joined(separator: " "), family: .v6) == rule)
    }

    @Test("ip rule output, ip rule add arguments and the golden form agree")
    func ruleForms() throws {
        let golden = try RoutingRule(parsing: "32765: from 10.6.212.145 lookup 101")
        #expect(golden.priority == 32765)
        #expect(golden.source == IPNetwork("10.6.212.145/32"))
        #expect(golden.table == 101)
        #expect(golden.command == ["from", "10.6.212.145", "lookup", "101", "priority", "32765"])
        #expect(try RoutingRule(parsing: "32765:\tfrom 10.6.212.145 lookup 101 ") == golden)
        for form in ["from 10.6.212.145 lookup 101 priority 32765", "from 10.6.212.145 table 101 pref 32765",
                     "prio 32765 from 10.6.212.145/32 lookup 101", "from 10.6.212.145 preference 32765 table 101"]
        {
            #expect(try RoutingRule(parsing: form) == golden, "\(form)")
        }
        let all = try RoutingRule(parsing: "1000:\tfrom all lookup 500", family: .v4)
        #expect(all.source == nil)
        #expect(all.description == "1000: from all lookup 500")
        #expect(try RoutingRule(parsing: "1000: from 0.0.0.0/0 lookup 500", family: .v4) == all)
        #expect(try RoutingRule(parsing: "from all", family: .v4).table == .main)
        let mark = try RoutingRule(parsing: "from all fwmark 1/0xffffffff lookup 100", family: .v4)
        #expect(mark.fwmark == 1)
        #expect(mark.description == "from all fwmark 0x1 lookup 100")
        #expect(try RoutingRule(parsing: "10: from all iif veth0 [detached] lookup 5", family: .v4).inputInterface == "veth0")
    }

    static let badRules: [(line: String, family: IPFamily?, error: IPSyntaxError, token: String)] = [
        ("1000: from all lookup", .v4, .missingArgument(keyword: "lookup", line: "1000: from all lookup"), "lookup"),
        ("1000: from all lookup 500", nil, .missingFamily("from all", line: "1000: from all lookup 500"), "from all"),
        ("1000: from all goto 5", .v4, .unknownKeyword("goto", line: "1000: from all goto 5"), "goto"),
        ("abc: from all lookup 1", .v4, .invalidNumber("abc:", keyword: "priority", line: "abc: from all lookup 1"), "abc:"),
        ("from 10.0.0.256 lookup 1", nil, .invalidAddress("10.0.0.256", line: "from 10.0.0.256 lookup 1"), "10.0.0.256"),
        ("from 10.0.0.1/8 lookup 1", nil, .hostBitsSet("10.0.0.1/8", network: "10.0.0.0/8", line: "from 10.0.0.1/8 lookup 1"), "10.0.0.1/8"),
        ("from fd00::1 lookup 1", .v4, .familyMismatch("fd00::1", expected: .v4, line: "from fd00::1 lookup 1"), "fd00::1"),
        ("from all fwmark 0xz lookup 1", .v4, .invalidNumber("0xz", keyword: "fwmark", line: "from all fwmark 0xz lookup 1"), "0xz"),
        ("from all lookup nowhere", .v4, .invalidValue("nowhere", keyword: "lookup", line: "from all lookup nowhere"), "nowhere"),
        ("5: from all lookup 1 priority 6", .v4, .duplicateKeyword("priority", line: "5: from all lookup 1 priority 6"), "priority"),
    ]

    @Test("bad rules are refused with a message naming the token and the line", arguments: badRules.indices)
    func badRule(_ index: Int) {
        let (line, family, expected, token) = IPSyntaxTests.badRules[index]
        let error = syntaxError { _ = try RoutingRule(parsing: line, family: family) }
        #expect(error == expected)
        #expect(error?.description.contains("'\(token)'") == true, "\(String(describing: error))")
        #expect(error?.description.contains("'\(line)'") == true, "\(String(describing: error))")
    }

    @Test("golden rules print back as parsed")
    func goldenRules() throws {
        let golden = try CoordinatorGolden.load()
        #expect(!golden.rules.isEmpty)
        for entry in golden.rules {
            let rule = try RoutingRule(parsing: entry.text, family: entry.family)
            #expect(rule.description == entry.text, "\(entry)")
            #expect(try RoutingRule(parsing: rule.command.joined(separator: " "), family: entry.family) == rule, "\(entry)")
        }
    }

    // MARK: Neighbours

    static let neighbourLines = [
        "10.6.212.132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT",
        "fd00:10:6::132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT",
        "172.100.0.2 dev veth0 lladdr <random> PERMANENT",
        "fe80::1 dev eth0 lladdr 00:11:22:33:44:55 router STALE",
        "10.0.0.9 dev eth0 FAILED",
        "10.0.0.10 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE",
    ]

    @Test("neighbours print back as parsed and recreate from their command", arguments: neighbourLines)
    func neighbour(_ line: String) throws {
        let entry = try Neighbour(parsing: line)
        #expect(entry.description == line)
        if !entry.randomMAC {
            #expect(try Neighbour(parsing: entry.command.joined(separator: " ")) == entry)
        }
    }

    @Test("neighbour fields, <random>, and ip neigh add arguments")
    func neighbourFields() throws {
        let entry = try Neighbour(parsing: "10.6.212.132 dev eth0 lladdr EE:EE:EE:EE:EE:EE PERMANENT")
        #expect(entry.address == IPAddress("10.6.212.132"))
        #expect(entry.device == "eth0")
        #expect(entry.lladdr == MACAddress("ee:ee:ee:ee:ee:ee"))
        #expect(entry.state == "PERMANENT")
        #expect(entry.family == .v4)
        #expect(entry.command == ["10.6.212.132", "dev", "eth0", "lladdr", "ee:ee:ee:ee:ee:ee", "nud", "permanent"])
        #expect(try Neighbour(parsing: "10.6.212.132 lladdr ee:ee:ee:ee:ee:ee nud permanent dev eth0") == entry)
        #expect(try Neighbour(parsing: "to 10.6.212.132 dev eth0 lladdr ee:ee:ee:ee:ee:ee") == entry)
        let random = try Neighbour(parsing: "172.100.0.2 dev veth0 lladdr <random> PERMANENT")
        #expect(random.lladdr == nil)
        #expect(random.randomMAC)
    }

    static let badNeighbours: [(line: String, error: IPSyntaxError, token: String)] = [
        ("10.0.0.1 dev eth0 lladdr 0a:1b PERMANENT", .invalidMAC("0a:1b", line: "10.0.0.1 dev eth0 lladdr 0a:1b PERMANENT"), "0a:1b"),
        ("10.0.0.1 dev eth0 lladdr 0a-1b-2c-3d-4e-5f PERMANENT", .invalidMAC("0a-1b-2c-3d-4e-5f", line: "10.0.0.1 dev eth0 lladdr 0a-1b-2c-3d-4e-5f PERMANENT"), "0a-1b-2c-3d-4e-5f"),
        ("10.0.0.1 lladdr 0a:1b:2c:3d:4e:5f PERMANENT", .missingField("dev", line: "10.0.0.1 lladdr 0a:1b:2c:3d:4e:5f PERMANENT"), "dev"),
        ("10.0.0.1 dev", .missingArgument(keyword: "dev", line: "10.0.0.1 dev"), "dev"),
        ("10.0.0.256 dev eth0", .invalidAddress("10.0.0.256", line: "10.0.0.256 dev eth0"), "10.0.0.256"),
        ("10.0.0.1 dev eth0 permanent", .unknownKeyword("permanent", line: "10.0.0.1 dev eth0 permanent"), "permanent"),
        ("10.0.0.1 dev eth0 nud sleepy", .invalidValue("sleepy", keyword: "nud", line: "10.0.0.1 dev eth0 nud sleepy"), "sleepy"),
    ]

    @Test("bad neighbours are refused with a message naming the token and the line", arguments: badNeighbours.indices)
    func badNeighbour(_ index: Int) {
        let (line, expected, token) = IPSyntaxTests.badNeighbours[index]
        let error = syntaxError { _ = try Neighbour(parsing: line) }
        #expect(error == expected)
        #expect(error?.description.contains("'\(token)'") == true, "\(String(describing: error))")
        #expect(error?.description.contains("'\(line)'") == true, "\(String(describing: error))")
    }

    @Test("golden neighbours print back as parsed")
    func goldenNeighbours() throws {
        let golden = try CoordinatorGolden.load()
        #expect(!golden.neighbours.isEmpty)
        for entry in golden.neighbours {
            let neighbour = try Neighbour(parsing: entry.text)
            #expect(neighbour.description == entry.text, "\(entry)")
        }
    }

    // MARK: Addresses

    static let addressLines = [
        "10.6.212.145/16 dev net1",
        "10.233.73.210/32 dev eth0",
        "fd85:ee78:d8a6:8607::1:eb84/128 dev eth0",
        "fd00:10:6::2e5/64 dev net1",
    ]

    @Test("interface addresses print back as parsed, host bits kept", arguments: addressLines)
    func interfaceAddress(_ line: String) throws {
        let address = try InterfaceAddress(parsing: line)
        #expect(address.description == line)
        #expect(try InterfaceAddress(parsing: address.command.joined(separator: " ")) == address)
    }

    @Test("interface address fields and errors")
    func interfaceAddressFields() throws {
        let address = try InterfaceAddress(parsing: "10.6.212.145/16 dev net1")
        #expect(address.address.address == IPAddress("10.6.212.145"))
        #expect(address.address.prefixLength == 16)
        #expect(address.device == "net1")
        #expect(try InterfaceAddress(parsing: "dev eth0 10.0.0.1").description == "10.0.0.1/32 dev eth0")
        let line = "10.6.212.145/33 dev net1"
        #expect(syntaxError { _ = try InterfaceAddress(parsing: line) } == .invalidAddress("10.6.212.145/33", line: line))
        #expect(syntaxError { _ = try InterfaceAddress(parsing: "10.6.212.145/16") } == .missingField("dev", line: "10.6.212.145/16"))
        #expect(syntaxError { _ = try InterfaceAddress(parsing: "10.6.212.145/16 dev net1 scope global") }
            == .unknownKeyword("scope", line: "10.6.212.145/16 dev net1 scope global"))
    }

    @Test("golden addresses print back as parsed")
    func goldenAddresses() throws {
        let golden = try CoordinatorGolden.load()
        #expect(!golden.addresses.isEmpty)
        for entry in golden.addresses {
            #expect(try InterfaceAddress(parsing: entry.text).description == entry.text, "\(entry)")
        }
    }

    // MARK: MAC addresses

    @Test("MACs parse in either case and print in lower case", arguments: [
        ("ee:ee:ee:ee:ee:ee", "ee:ee:ee:ee:ee:ee"),
        ("82:B1:35:B3:4D:90", "82:b1:35:b3:4d:90"),
        ("00:00:00:00:00:00", "00:00:00:00:00:00"),
        ("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"),
        ("0a:1b:2c:3d:4e:5f", "0a:1b:2c:3d:4e:5f"),
    ])
    func mac(_ text: String, _ printed: String) throws {
        let mac = try #require(MACAddress(text))
        #expect(mac.description == printed)
        #expect(MACAddress(bytes: mac.bytes) == mac)
        #expect(MACAddress(printed) == mac)
    }

    @Test("malformed MACs are refused", arguments: [
        "0a:1b", "0a-1b-2c-3d-4e-5f", "0a:1b:2c:3d:4e:5", "0a:1b:2c:3d:4e:5f:60", "0g:1b:2c:3d:4e:5f",
        "", "0a:1b:2c:3d:4e:", "+a:1b:2c:3d:4e:5f", "0a:1b:2c:3d:4e:5f ", "0a1b.2c3d.4e5f", "<random>",
    ])
    func badMAC(_ text: String) {
        #expect(MACAddress(text) == nil)
        #expect(syntaxError { _ = try MACAddress.parse(text) } == .invalidMAC(text, line: text))
    }

    @Test("MAC bits and bytes")
    func macBits() throws {
        let multicast = try #require(MACAddress("01:00:5e:00:00:01"))
        #expect(multicast.isMulticast)
        #expect(!multicast.isLocallyAdministered)
        let local = try #require(MACAddress("ee:ee:ee:ee:ee:ee"))
        #expect(local.isLocallyAdministered)
        #expect(!local.isMulticast)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(MACAddress(bytes: [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])?.description == "0a:1b:2c:3d:4e:5f")
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5, 6, 7]) == nil)
        #expect(MACAddress(value: 1 << 48) == nil)
        #expect(MACAddress(value: 0x0a1b2c3d4e5f)?.bytes == [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])
    }

    // MARK: Names and numbers

    @Test("table, scope and protocol names")
    func names() {
        #expect(RouteTable("main") == .main)
        #expect(RouteTable("local")?.rawValue == 255)
        #expect(RouteTable("default")?.rawValue == 253)
        #expect(RouteTable("101")?.description == "101")
        #expect(RouteTable("254")?.description == "main")
        #expect(RouteTable.unspecified.description == "0")
        #expect(RouteTable("0x10") == 16)
        for bad in ["", "-1", "+5", "4294967296", "mian", "1 0"] { #expect(RouteTable(bad) == nil, "\(bad)") }
        #expect(RouteScope("global") == .universe)
        #expect(RouteScope.universe.description == "global")
        #expect(RouteScope("link") == .link)
        #expect(RouteScope("200") == .site)
        #expect(RouteScope("256") == nil)
        #expect(RouteScope(rawValue: 7).description == "7")
        #expect(RouteProtocol("kernel") == .kernel)
        #expect(RouteProtocol("dhcp")?.rawValue == 16)
        #expect(RouteProtocol("ra") == .ra)
        #expect(RouteProtocol.boot.description == "boot")
        #expect(RouteProtocol(rawValue: 99).description == "99")
        #expect(RouteProtocol("static") == .static)
        for type in RouteType.allCases { #expect(RouteType(name: type.name) == type) }
        #expect(RouteType(name: "throw") == .throw)
    }

    // MARK: Links

    @Test("every golden link decodes, and encodes back to the same JSON")
    func goldenLinks() throws {
        let golden = try CoordinatorGolden.load()
        #expect(golden.links.count > 20)
        for (file, path, object) in golden.links {
            let data = try JSONSerialization.data(withJSONObject: object)
            let link = try JSONDecoder().decode(Link.self, from: data)
            #expect(link.name == object["name"] as? String, "\(file) \(path)")
            let encoded = try JSONEncoder().encode(link)
            #expect(try JSONDecoder().decode(Link.self, from: encoded) == link, "\(file) \(path)")
            var expected = object
            expected["addresses"] = nil
            let actual = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
            #expect(NSDictionary(dictionary: actual).isEqual(to: expected), "\(file) \(path): \(actual) != \(expected)")
        }
    }

    @Test("link fields from JSON")
    func linkFields() throws {
        let json = #"{"name": "net1", "index": 6, "kind": "macvlan", "mac": "4e:7e:56:bb:05:6e", "mtu": 1500, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "master": "ens192", "masterIndex": 2, "txqueuelen": 1000}"#
        let link = try JSONDecoder().decode(Link.self, from: Data(json.utf8))
        #expect(link.index == 6)
        #expect(link.kind == .macvlan)
        #expect(link.mac == MACAddress("4e:7e:56:bb:05:6e"))
        #expect(link.flags == [.broadcast, .multicast, .up, .lowerUp])
        #expect(link.flags.description == "<BROADCAST,MULTICAST,UP,LOWER_UP>")
        #expect(link.master == "ens192")
        #expect(link.masterIndex == 2)
        #expect(link.txqueuelen == 1000)
        #expect(link.isUp)
        #expect(link.isOperational)
        let down = Link(name: "veth0", index: 0, kind: .veth, randomMAC: true, flags: [.broadcast, .multicast])
        #expect(!down.isUp)
        let encoded = try #require(String(data: JSONEncoder().encode(down), encoding: .utf8))
        #expect(encoded.contains(#""mac":"<random>""#))
        #expect(!encoded.contains("index"))
        #expect(LinkKind(name: "geneve") == .other("geneve"))
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Link.self, from: Data(#"{"name": "x", "kind": "veth", "mtu": 1500, "flags": ["SPARKLY"]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Link.self, from: Data(#"{"name": "x", "kind": "veth", "mtu": 1500, "mac": "0a-1b-2c-3d-4e-5f"}"#.utf8))
        }
        #expect(try LinkFlags(names: ["NO-CARRIER", "UP"]) == .up)
        #expect(throws: IPSyntaxError.invalidValue("SPARKLY", keyword: "flags", line: "UP,SPARKLY")) {
            _ = try LinkFlags(names: ["UP", "SPARKLY"])
        }
    }
}
