import Foundation
import Testing
@testable import SpiderCore

/// A table in the order the kernel lists it, and why the case is there.
struct KernelOrderListing: Sendable, CustomTestStringConvertible {
    let name: String
    let family: IPFamily
    let lines: [String]
    var testDescription: String { name }
}

/// Orders the routes of one table can be given in: as listed, reversed, every rotation, and the
/// odd positions before the even ones (and the other way round).
private func arrangements<T>(_ items: [T]) -> [[T]] {
    var result = [items, items.reversed()]
    for shift in 1..<max(items.count, 1) { result.append(Array(items[shift...] + items[..<shift])) }
    let even = items.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    let odd = items.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    result.append(odd + even)
    result.append(even.reversed() + odd)
    return result
}

private func parse(_ lines: [String], _ family: IPFamily) throws -> [Route] {
    try lines.map { try Route(parsing: $0, family: family) }
}

/// The `ip route show table N` listings of the golden cases: each `expect` table, and
/// each table of each before-state (routes grouped by table, order kept).
private enum GoldenListings {
    static func load() throws -> [KernelOrderListing] {
        let directory = GoldenFixtures.goldenDirectory.appendingPathComponent("coordinator")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        var tables: [KernelOrderListing] = []
        for name in names {
            let object = try JSONSerialization.jsonObject(with: GoldenFixtures.data("coordinator/" + name))
            guard let root = object as? [String: Any] else { continue }
            for side in ["pod", "node"] {
                if let state = root[side] as? [String: Any] {
                    tables += beforeTables(state["routes"], family: .v4, label: "\(name) \(side) before")
                    tables += beforeTables((state["v6"] as? [String: Any])?["routes"], family: .v6, label: "\(name) \(side) before v6")
                }
                if let expect = (root["expect"] as? [String: Any])?[side] as? [String: Any] {
                    tables += expectTables(expect["tables"], family: .v4, label: "\(name) expect \(side)")
                    tables += expectTables((expect["v6"] as? [String: Any])?["tables"], family: .v6, label: "\(name) expect \(side) v6")
                }
            }
        }
        return tables
    }

    static func expectTables(_ value: Any?, family: IPFamily, label: String) -> [KernelOrderListing] {
        guard let tables = value as? [String: [String]] else { return [] }
        return tables.sorted { $0.key < $1.key }.map { KernelOrderListing(name: "\(label) table \($0.key)", family: family, lines: $0.value) }
    }

    /// Before-state routes carry ` table N`; the lines of one table keep their order.
    static func beforeTables(_ value: Any?, family: IPFamily, label: String) -> [KernelOrderListing] {
        guard let lines = value as? [String] else { return [] }
        var byTable: [String: [String]] = [:]
        for line in lines {
            let words = line.split(separator: " ")
            let table = words.firstIndex(of: "table").flatMap { $0 + 1 < words.count ? String(words[$0 + 1]) : nil } ?? "main"
            byTable[table, default: []].append(line)
        }
        return byTable.sorted { $0.key < $1.key }.map { KernelOrderListing(name: "\(label) table \($0.key)", family: family, lines: $0.value) }
    }

    static func d1() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: GoldenFixtures.data("coordinator/D1-dual-stack-overlay.json"))
        return try #require(object as? [String: Any])
    }
}

@Suite("KernelRouteOrder")
struct KernelRouteOrderTests {
    static let listings: [KernelOrderListing] = [
        // IPv4: the FIB trie's leaves by key, the aliases of one leaf by prefix length
        // (longest first), then by priority.
        KernelOrderListing(name: "IPv4 by destination address", family: .v4, lines: [
            "default via 10.6.0.1 dev net1",
            "10.0.0.0/8 via 10.6.0.1 dev net1",
            "10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.145",
            "10.6.212.132 dev eth0 scope link src 10.233.73.210",
            "10.233.0.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
            "10.233.64.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
            "169.254.1.1 dev eth0 scope link",
            "192.168.0.0/16 via 10.6.0.1 dev net1",
        ]),
        KernelOrderListing(name: "IPv4 the longer prefix first for the same address", family: .v4, lines: [
            "0.0.0.0/8 dev eth0",
            "default via 10.6.0.1 dev net1",
            "10.0.0.0 dev eth0 scope link",
            "10.0.0.0/24 dev eth0 scope link",
            "10.0.0.0/16 dev eth0 scope link",
            "10.0.0.0/8 via 10.6.0.1 dev net1",
            "10.0.0.1 dev eth0 scope link",
            "10.0.1.0/24 dev eth0 scope link",
        ]),
        KernelOrderListing(name: "IPv4 then by metric", family: .v4, lines: [
            "default via 10.6.0.1 dev net1",
            "default via 169.254.1.1 dev eth0 metric 10",
            "default via 10.6.0.2 dev net1 metric 100",
            "10.6.0.0/16 dev net1 scope link metric 5",
            "10.6.0.0/16 dev eth0 scope link metric 50",
        ]),
        // IPv6: the fib6 radix tree walked children first, the 0 branch before the 1 branch.
        KernelOrderListing(name: "IPv6 the more specific prefix before the one containing it", family: .v6, lines: [
            "2001:db8::1 dev eth0 metric 1024 pref medium",
            "2001:db8::/64 dev eth0 metric 1024 pref medium",
            "2001:db8::/48 dev eth0 metric 1024 pref medium",
            "2001:db8::/32 dev eth0 metric 1024 pref medium",
            "default via fe80::1 dev eth0 metric 1024 pref medium",
        ]),
        KernelOrderListing(name: "IPv6 the 0 branch before the 1 branch, default last", family: .v6, lines: [
            "100::/64 dev eth0 metric 1024 pref medium",
            "2001:db8::/33 dev eth0 metric 1024 pref medium",
            "2001:db8:8000::/33 dev eth0 metric 1024 pref medium",
            "2001:db8::/32 dev eth0 metric 1024 pref medium",
            "2001:db9::/32 dev eth0 metric 1024 pref medium",
            "fd00::1 dev eth0 metric 1024 pref medium",
            "fd00::/8 dev eth0 metric 1024 pref medium",
            "fe80::/64 dev eth0 proto kernel metric 256 pref medium",
            "default via fe80::1 dev eth0 metric 1024 pref medium",
        ]),
        KernelOrderListing(name: "IPv6 then by metric", family: .v6, lines: [
            "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium",
            "fd00:10:6::/64 dev net1 metric 1024 pref medium",
            "fd00:10:6::/64 via fd00:10:6::1 dev net1 metric 2000 pref medium",
            "default via fd00:10:6::1 dev net1 metric 100 pref medium",
            "default via fe80::1 dev eth0 metric 1024 pref medium",
        ]),
        // Fixtures/golden/coordinator/D1-dual-stack-overlay.json, expect.pod.v6.tables.main.
        KernelOrderListing(name: "D1 pod IPv6 main", family: .v6, lines: [
            "fd00:10:6::132 dev eth0 metric 1024 pref medium",
            "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium",
            "fd00:10:233::/116 via fd00:10:6::132 dev eth0 metric 1024 pref medium",
            "fd85:ee78:d8a6:8607::1:eb84 dev eth0 proto kernel metric 256 pref medium",
            "fd85:ee78:d8a6:8607::1:0/112 via fd00:10:6::132 dev eth0 metric 1024 pref medium",
            "default via fe80::ecee:eeff:feee:eeee dev eth0 metric 1024 pref medium",
        ]),
        KernelOrderListing(name: "D1 pod IPv4 main", family: .v4, lines: [
            "default via 169.254.1.1 dev eth0",
            "10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.145",
            "10.6.212.132 dev eth0 scope link src 10.233.73.210",
            "10.233.0.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
            "10.233.64.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
            "169.254.1.1 dev eth0 scope link",
        ]),
    ]

    @Test("routes are listed in kernel order whatever order they were added in", arguments: listings)
    func order(_ table: KernelOrderListing) throws {
        let routes = try parse(table.lines, table.family)
        for given in arrangements(routes) {
            #expect(KernelRouteOrder.sorted(given).map(\.description) == table.lines, "from \(given.map(\.description))")
        }
    }

    @Test("the D1 case above is the golden file's expect.pod.v6.tables.main")
    func d1MatchesGolden() throws {
        let d1 = try GoldenListings.d1()
        let expect = try #require(d1["expect"] as? [String: Any])
        let pod = try #require(expect["pod"] as? [String: Any])
        let v6 = try #require(pod["v6"] as? [String: Any])
        let tables = try #require(v6["tables"] as? [String: [String]])
        let listed = try #require(Self.listings.first { $0.name == "D1 pod IPv6 main" })
        #expect(tables["main"] == listed.lines)
        let v4 = try #require(pod["tables"] as? [String: [String]])
        #expect(v4["main"] == Self.listings.first { $0.name == "D1 pod IPv4 main" }?.lines)
    }

    /// What the kernel orders by: the destination and the metric (routes that share both tie).
    static func sortKeys(_ routes: [Route]) -> [String] { routes.map { "\($0.destination) metric \($0.key.metric)" } }

    @Test("every table of the golden cases is in kernel order", arguments: try GoldenListings.load())
    func goldenOrder(_ table: KernelOrderListing) throws {
        let routes = try parse(table.lines, table.family)
        #expect(KernelRouteOrder.sorted(routes) == routes, "\(table.name) as listed")
        for given in arrangements(routes) {
            #expect(Self.sortKeys(KernelRouteOrder.sorted(given)) == Self.sortKeys(routes), "\(table.name)")
        }
    }

    @Test("NetworkState.routes(table:family:) lists one table of one family in kernel order")
    func stateListing() throws {
        let lines = [
            "169.254.1.1 dev eth0 scope link",
            "default via 10.6.0.1 dev net1 table 101",
            "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium",
            "10.6.212.132 dev eth0 scope link src 10.233.73.210",
            "default via 169.254.1.1 dev eth0",
            "10.6.0.0/16 dev net1 scope link src 10.6.212.145 table 101",
            "default via fe80::1 dev eth0 metric 1024 pref medium",
            "fd00:10:6::132 dev eth0 metric 1024 pref medium table 101",
        ]
        let state = NetworkState(routes: try lines.map { try Route(parsing: $0) })
        #expect(state.routes(table: .main, family: .v4).map(\.description) == [
            "default via 169.254.1.1 dev eth0", "10.6.212.132 dev eth0 scope link src 10.233.73.210", "169.254.1.1 dev eth0 scope link",
        ])
        #expect(state.routes(table: 101, family: .v4).map(\.description) == [
            "default via 10.6.0.1 dev net1 table 101", "10.6.0.0/16 dev net1 scope link src 10.6.212.145 table 101",
        ])
        #expect(state.routes(table: .main, family: .v6).map(\.description) == [
            "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium", "default via fe80::1 dev eth0 metric 1024 pref medium",
        ])
        #expect(state.routes(table: 101, family: .v6).map(\.description) == ["fd00:10:6::132 dev eth0 metric 1024 pref medium table 101"])
        #expect(state.routes(table: 500, family: .v4).isEmpty)
        #expect(state.tables(family: .v4) == [101, .main])
        #expect(state.tables(family: .v6) == [101, .main])
    }

    /// Routes the kernel keeps in the order they were added: the same destination and metric
    /// (`ip route append`, or a listing of routes from several tables).
    static let ties: [KernelOrderListing] = [
        KernelOrderListing(name: "IPv4 same destination and metric", family: .v4, lines: [
            "10.0.0.0/8 via 10.6.0.1 dev net1", "10.0.0.0/8 via 169.254.1.1 dev eth0", "10.0.0.0/8 via 10.6.0.2 dev net1",
        ]),
        KernelOrderListing(name: "IPv4 explicit metric 0 ties with no metric", family: .v4, lines: [
            "default via 10.6.0.1 dev net1 metric 0", "default via 169.254.1.1 dev eth0",
        ]),
        KernelOrderListing(name: "IPv6 same destination and metric", family: .v6, lines: [
            "default via fe80::1 dev eth0 metric 1024 pref medium", "default via fd00:10:6::1 dev net1 metric 1024 pref medium",
        ]),
        KernelOrderListing(name: "IPv6 no metric ties with metric 1024", family: .v6, lines: [
            "fd00:10:6::/64 dev net1", "fd00:10:6::/64 via fd00:10:6::1 dev net1 metric 1024",
        ]),
        KernelOrderListing(name: "one destination in several tables", family: .v4, lines: [
            "default via 10.6.0.1 dev net1 table 101", "default via 169.254.1.1 dev eth0", "default via 10.6.0.2 dev net1 table 100",
        ]),
    ]

    @Test("routes that tie keep the order they were given in", arguments: ties)
    func tiesKeepOrder(_ table: KernelOrderListing) throws {
        let routes = try parse(table.lines, table.family)
        for given in arrangements(routes) {
            #expect(KernelRouteOrder.sorted(given) == given)
            for (a, b) in zip(given, given.dropFirst()) { #expect(KernelRouteOrder.precedes(a, b) == nil) }
        }
    }

    @Test("ties stay in their order around routes that sort before and after them")
    func tiesAmongOthers() throws {
        let first = try Route(parsing: "10.0.0.0/8 via 10.6.0.1 dev net1")
        let second = try Route(parsing: "10.0.0.0/8 via 169.254.1.1 dev eth0")
        let before = try Route(parsing: "default via 10.6.0.1 dev net1")
        let after = try Route(parsing: "169.254.1.1 dev eth0 scope link")
        #expect(KernelRouteOrder.sorted([after, first, before, second]) == [before, first, second, after])
        #expect(KernelRouteOrder.sorted([second, after, first, before]) == [before, second, first, after])

        let v6first = try Route(parsing: "default via fe80::1 dev eth0 metric 1024 pref medium")
        let v6second = try Route(parsing: "default via fd00:10:6::1 dev net1 metric 1024 pref medium")
        let v6before = try Route(parsing: "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium")
        #expect(KernelRouteOrder.sorted([v6second, v6before, v6first]) == [v6before, v6second, v6first])
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        let first: String
        let second: String
        var testDescription: String { "\(first) before \(second)" }
    }

    static let pairs: [Pair] = [
        Pair(first: "10.0.0.0/16 dev net1", second: "10.0.0.0/8 dev net1"),
        Pair(first: "10.0.0.0/8 dev net1", second: "10.6.0.0/16 dev net1"),
        Pair(first: "10.6.0.0/16 dev net1", second: "10.6.0.1 dev net1"),
        Pair(first: "9.255.255.255 dev net1", second: "10.0.0.0/8 dev net1"),
        Pair(first: "10.0.0.0/8 dev net1", second: "10.0.0.0/8 dev net1 metric 1"),
        Pair(first: "default via 10.6.0.1 dev net1", second: "0.0.0.1 dev net1"),
        Pair(first: "fd00::1 dev eth0", second: "fd00::/64 dev eth0"),
        Pair(first: "fd00::/64 dev eth0", second: "fd00:0:0:1::/64 dev eth0"),
        Pair(first: "fd00:0:0:1::/64 dev eth0", second: "fd00::/48 dev eth0"),
        Pair(first: "7fff::/16 dev eth0", second: "8000::/1 dev eth0"),
        Pair(first: "::1 dev eth0", second: "::/0 dev eth0"),
        Pair(first: "fd00::/64 dev eth0 metric 256", second: "fd00::/64 dev eth0"),
        Pair(first: "10.0.0.0/8 dev net1", second: "fd00::/64 dev eth0"),
    ]

    @Test("precedes answers one pair, and the opposite the other way round", arguments: pairs)
    func precedes(_ pair: Pair) throws {
        let a = try Route(parsing: pair.first), b = try Route(parsing: pair.second)
        #expect(KernelRouteOrder.precedes(a, b) == true)
        #expect(KernelRouteOrder.precedes(b, a) == false)
        #expect(KernelRouteOrder.sorted([b, a]) == [a, b])
    }
}
