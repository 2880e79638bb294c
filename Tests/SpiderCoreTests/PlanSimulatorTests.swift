import Testing
@testable import SpiderCore

// MARK: - Fixtures

/// States, actions and plans for the simulator tests, written in `ip` syntax.
private enum Sim {
    static func route(_ line: String, _ family: IPFamily? = nil) throws -> Route { try Route(parsing: line, family: family) }
    static func rule(_ line: String, _ family: IPFamily? = nil) throws -> RoutingRule { try RoutingRule(parsing: line, family: family) }
    static func neighbour(_ line: String) throws -> Neighbour { try Neighbour(parsing: line) }
    static func address(_ line: String) throws -> InterfaceAddress { try InterfaceAddress(parsing: line) }
    static func mac(_ text: String) throws -> MACAddress { try MACAddress.parse(text) }
    static func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text), "bad address in a test: \(text)") }

    static let running: LinkFlags = [.broadcast, .multicast, .up, .lowerUp]
    static let loopback = Link(name: "lo", index: 1, kind: .loopback, mtu: 65536, flags: [.loopback, .up, .lowerUp])

    /// The quick start's topology (O1): the pod has `lo` 1, `eth0` 2 (a veth whose node end is
    /// index 5) and `net1` 6 (a macvlan on the node's `ens192`, index 2); the node has `lo` 1,
    /// `ens192` 2 and `cali1a2b3c4d5e` 5 (the node end of the pod's `eth0`).
    static var pair: NamespacePair {
        NamespacePair(
            pod: NetworkState(links: [
                loopback,
                Link(name: "eth0", index: 2, kind: .veth, flags: running, peerIndex: 5),
                Link(name: "net1", index: 6, kind: .macvlan, flags: running, master: "ens192", masterIndex: 2),
            ]),
            node: NetworkState(links: [
                loopback,
                Link(name: "ens192", index: 2, kind: .other("ether"), flags: running),
                Link(name: "cali1a2b3c4d5e", index: 5, kind: .veth, flags: running, peerIndex: 2),
            ])
        )
    }

    /// `actions`, all in `role`, as a plan.
    static func plan(_ role: NamespaceRole, _ actions: [PlanAction]) -> RoutePlan {
        RoutePlan(actions.map { PlannedOperation(role, $0, reason: "test") })
    }

    /// `pair` after `actions`, all run in `role`.
    static func applying(_ actions: [PlanAction], in role: NamespaceRole = .pod, to pair: NamespacePair = Sim.pair)
        throws(SimulationError) -> NamespacePair
    {
        try pair.applying(plan(role, actions))
    }

    /// What the simulator refuses in `actions`, or `nil` when it takes them all.
    static func refusal(_ actions: [PlanAction], in role: NamespaceRole = .pod, to pair: NamespacePair = Sim.pair) -> SimulationError? {
        refusal(plan(role, actions), to: pair)
    }

    static func refusal(_ plan: RoutePlan, to pair: NamespacePair = Sim.pair) -> SimulationError? {
        do {
            _ = try pair.applying(plan)
            return nil
        } catch {
            return error
        }
    }

    /// One table of one family as `ip route show` lists it (` table N` appended off main).
    static func table(_ state: NetworkState, _ family: IPFamily = .v4, _ table: RouteTable = .main) -> [String] {
        state.routes(table: table, family: family).map(\.description)
    }

    /// Every route of `state`, printed, in the order they were added.
    static func routes(_ state: NetworkState) -> [String] { state.routes.map(\.description) }

    /// The rules of one family as `ip rule` lists them (defaults left out).
    static func rules(_ state: NetworkState, _ family: IPFamily) -> [String] { state.rules(family: family).map(\.description) }
}

extension SimulationError.Reason {
    fileprivate var isExists: Bool {
        if case .exists = self { return true }
        return false
    }

    fileprivate var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }
}

/// Two lines of `ip` syntax and why they make a case.
struct SimLinePair: Sendable, CustomTestStringConvertible {
    let first: String
    let second: String
    let why: String
    init(_ first: String, _ second: String, _ why: String) {
        self.first = first
        self.second = second
        self.why = why
    }
    var testDescription: String { why }
}

// MARK: - Routes

@Suite("PlanSimulator: routes")
struct PlanSimulatorRouteTests {
    static let clashes: [SimLinePair] = [
        SimLinePair("10.6.0.0/16 dev net1", "10.6.0.0/16 dev net1", "the same route twice"),
        SimLinePair("default via 10.6.0.1 dev net1", "default via 169.254.1.1 dev eth0", "IPv4 default via another gateway and device"),
        SimLinePair("10.6.212.132 dev eth0 scope link table 101", "10.6.212.132 via 10.6.0.1 dev net1 table 101",
                 "IPv4 host route in table 101 via a gateway"),
        SimLinePair("10.0.0.0/8 dev eth0 metric 0", "10.0.0.0/8 dev net1", "IPv4 metric 0 written out is no metric"),
        SimLinePair("10.0.0.0/8 dev eth0 metric 100", "10.0.0.0/8 via 10.6.0.1 dev net1 metric 100", "IPv4 same explicit metric"),
        SimLinePair("fd00:10:6::/64 dev net1", "fd00:10:6::/64 via fd00:10:6::1 dev net1 metric 1024", "IPv6 no metric is metric 1024"),
        SimLinePair("default via fe80::ecee:eeff:feee:eeee dev eth0", "default via fd00:10:6::1 dev net1", "IPv6 default via another gateway"),
        SimLinePair("fd00:10:6::132 dev eth0 metric 1024 pref medium table 101", "fd00:10:6::132 dev net1 table 101",
                 "IPv6 host route in table 101 on another device"),
        // fib_table_insert (IPv4) and fib6_add_rt2node (IPv6) refuse NLM_F_EXCL on the same
        // prefix, tos and priority whatever the type.
        SimLinePair("10.9.0.0/16 dev eth0", "blackhole 10.9.0.0/16", "IPv4 the type is not compared on add"),
        SimLinePair("fd00:9::/64 dev eth0", "unreachable fd00:9::/64", "IPv6 the type is not compared on add"),
    ]

    @Test("adding a route with the same table, destination and metric is EEXIST", arguments: clashes)
    func addExisting(_ clash: SimLinePair) throws {
        let first = try Sim.route(clash.first), second = try Sim.route(clash.second)
        let error = try #require(Sim.refusal([.addRoute(first), .addRoute(second)]), "\(clash.why): the second add must fail")
        #expect(error.index == 1)
        #expect(error.reason.isExists, "\(error)")
        #expect(error.operation.action == .addRoute(second))
    }

    static let neighbours: [SimLinePair] = [
        SimLinePair("10.6.0.0/16 dev net1", "10.6.0.0/16 dev net1 table 101", "another table"),
        SimLinePair("default via 10.6.0.1 dev net1", "default via 169.254.1.1 dev eth0 metric 100", "another metric"),
        SimLinePair("10.6.0.0/16 dev net1", "10.6.0.0/24 dev net1", "another prefix length"),
        SimLinePair("10.6.0.0/16 dev net1", "10.6.212.132 dev eth0", "a route inside the first one"),
        SimLinePair("fd00:10:6::/64 dev net1 proto kernel metric 256", "fd00:10:6::/64 dev net1", "IPv6 kernel route at 256, user route at 1024"),
        SimLinePair("default via 10.6.0.1 dev net1", "default via fe80::1 dev eth0", "another family"),
    ]

    @Test("routes that differ in table, metric, prefix or family live side by side", arguments: neighbours)
    func addBeside(_ pair: SimLinePair) throws {
        let first = try Sim.route(pair.first), second = try Sim.route(pair.second)
        let after = try Sim.applying([.addRoute(first), .addRoute(second)])
        #expect(after.pod.routes.count == 2)
        #expect(after.pod.routes.map(\.key) == [first.key, second.key])
    }

    @Test("a route through a link the namespace does not have is refused (ENODEV)",
          arguments: ["10.9.0.0/16 dev net9", "default via 10.6.0.1 dev eth9",
                      "default nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 169.254.1.1 dev eth9 weight 1",
                      "fd00:9::/64 dev net9"])
    func addOnMissingLink(_ line: String) throws {
        let error = try #require(Sim.refusal([.addRoute(try Sim.route(line))]))
        #expect(error.index == 0)
        #expect(error.reason.isNotFound, "\(error)")
    }

    /// The routes of the delete tests' pod, one per line, in the order they were added.
    static let installed = [
        "10.6.212.132 dev eth0 scope link src 10.233.73.210",
        "default via 10.6.0.1 dev net1 table 101",
        "10.7.0.0/16 dev eth0 metric 100",
        "fd00:10:6::132 dev eth0 metric 1024 pref medium",
        "fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium",
    ]

    struct Deletion: Sendable, CustomTestStringConvertible {
        let request: String
        /// The installed route the delete removes, or `nil` for ENOENT.
        let removes: String?
        var testDescription: String { "delete \(request) → \(removes ?? "ENOENT")" }
    }

    static let deletions: [Deletion] = [
        Deletion(request: "10.6.212.132 dev eth0", removes: installed[0]),
        Deletion(request: "10.6.212.132", removes: installed[0]),
        Deletion(request: "10.6.212.132 dev eth0 scope link src 10.233.73.210", removes: installed[0]),
        Deletion(request: "10.6.212.132 dev net1", removes: nil),
        Deletion(request: "10.6.212.132 via 10.6.0.1", removes: nil),
        Deletion(request: "10.6.212.132 dev eth0 metric 5", removes: nil),
        Deletion(request: "10.6.212.132 dev eth0 table 101", removes: nil),
        Deletion(request: "default via 10.6.0.1 table 101", removes: installed[1]),
        Deletion(request: "0.0.0.0/0 dev net1 table 101", removes: installed[1]),
        Deletion(request: "default via 10.6.0.1 dev net1 table 101", removes: installed[1]),
        Deletion(request: "default via 10.6.0.2 dev net1 table 101", removes: nil),
        Deletion(request: "default via 10.6.0.1 dev eth0 table 101", removes: nil),
        Deletion(request: "default via 10.6.0.1 dev net1", removes: nil),
        Deletion(request: "10.7.0.0/16 dev eth0 metric 100", removes: installed[2]),
        Deletion(request: "10.7.0.0/16 dev eth0 metric 101", removes: nil),
        Deletion(request: "fd00:10:6::132 dev eth0", removes: installed[3]),
        Deletion(request: "fd00:10:6::132 dev eth0 metric 1024", removes: installed[3]),
        Deletion(request: "fd00:10:6::132 dev eth0 metric 256", removes: nil),
        Deletion(request: "fd00:10:6::132 dev net1", removes: nil),
        Deletion(request: "fd00:10:6::/64 dev net1 metric 256", removes: installed[4]),
        Deletion(request: "10.9.0.0/16", removes: nil),
        Deletion(request: "fd00:9::/64", removes: nil),
    ]

    @Test("a delete removes the route with that key, on the device and via the gateway it names; else ENOENT",
          arguments: deletions)
    func delete(_ deletion: Deletion) throws {
        var pair = Sim.pair
        pair.pod.routes = try Self.installed.map { try Sim.route($0) }
        let request = try Sim.route(deletion.request)
        guard let removed = deletion.removes else {
            let error = try #require(Sim.refusal([.deleteRoute(request)], to: pair), "expected ENOENT")
            #expect(error.reason.isNotFound, "\(error)")
            #expect(error.index == 0)
            return
        }
        let after = try Sim.applying([.deleteRoute(request)], to: pair)
        #expect(Sim.routes(after.pod) == Self.installed.filter { $0 != removed })
        #expect(after.node == pair.node)
    }

    // The kernel compares the metric only when the request carries one: `fib_nh_match` skips
    // the priority when `fc_priority` is 0 (IPv4), `ip6_route_del` skips it when `fc_metric` is 0
    // (IPv6). `ip route del 10.7.0.0/16 dev eth0` removes a route with metric 100.
    @Test("a delete without a metric removes the route whatever its metric, as the kernel does",
          arguments: [
              Deletion(request: "10.7.0.0/16 dev eth0", removes: installed[2]),
              Deletion(request: "fd00:10:6::/64 dev net1", removes: installed[4]),
          ])
    func deleteWithoutMetric(_ deletion: Deletion) throws {
        var pair = Sim.pair
        pair.pod.routes = try Self.installed.map { try Sim.route($0) }
        let after = try Sim.applying([.deleteRoute(try Sim.route(deletion.request))], to: pair)
        #expect(Sim.routes(after.pod) == Self.installed.filter { $0 != deletion.removes })
    }

    static let storedForms: [SimLinePair] = [
        SimLinePair("fd00:10:233::/116 via fd00:10:6::132 dev eth0", "fd00:10:233::/116 via fd00:10:6::132 dev eth0 metric 1024 pref medium",
                 "IPv6 without metric"),
        SimLinePair("default via fd00:10:6::1 dev net1", "default via fd00:10:6::1 dev net1 metric 1024 pref medium", "IPv6 default"),
        SimLinePair("fd00:10:6::132 dev eth0 metric 100", "fd00:10:6::132 dev eth0 metric 100 pref medium", "IPv6 with a metric"),
        SimLinePair("fd00:10:6::132 dev eth0 pref high", "fd00:10:6::132 dev eth0 metric 1024 pref high", "IPv6 with a preference"),
        SimLinePair("fd00:10:6::132 dev eth0 table 101", "fd00:10:6::132 dev eth0 metric 1024 pref medium table 101", "IPv6 in table 101"),
        SimLinePair("default nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
                 "default metric 1024 pref medium nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
                 "IPv6 multipath"),
        SimLinePair("10.233.0.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210", "10.233.0.0/18 via 10.6.212.132 dev eth0 src 10.233.73.210",
                 "IPv4 keeps no metric"),
        SimLinePair("10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101", "10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101",
                 "IPv4 host route in table 101"),
    ]

    @Test("routes are stored as the kernel prints them: IPv6 gets metric 1024 and pref medium", arguments: storedForms)
    func storedForm(_ form: SimLinePair) throws {
        let route = try Sim.route(form.first)
        let after = try Sim.applying([.addRoute(route)])
        #expect(Sim.routes(after.pod) == [form.second])
        #expect(Sim.table(after.pod, route.family, route.table) == [form.second])
    }
}

// MARK: - Addresses

@Suite("PlanSimulator: addresses")
struct PlanSimulatorAddressTests {
    struct SubnetRoute: Sendable, CustomTestStringConvertible {
        let address: String
        let routes: [String]
        var testDescription: String { address }
    }

    static let subnetRoutes: [SubnetRoute] = [
        SubnetRoute(address: "10.6.212.145/16 dev net1", routes: ["10.6.0.0/16 dev net1 proto kernel scope link src 10.6.212.145"]),
        SubnetRoute(address: "172.18.40.10/24 dev net1", routes: ["172.18.40.0/24 dev net1 proto kernel scope link src 172.18.40.10"]),
        SubnetRoute(address: "10.6.212.145/31 dev net1", routes: ["10.6.212.144/31 dev net1 proto kernel scope link src 10.6.212.145"]),
        SubnetRoute(address: "10.233.73.210/32 dev eth0", routes: []),
        SubnetRoute(address: "169.254.100.1/32 dev eth0", routes: []),
        SubnetRoute(address: "fd00:10:6::2e5/64 dev net1", routes: ["fd00:10:6::/64 dev net1 proto kernel metric 256 pref medium"]),
        SubnetRoute(address: "fd00:10:6::2e5/120 dev net1", routes: ["fd00:10:6::200/120 dev net1 proto kernel metric 256 pref medium"]),
        // addrconf_prefix_route runs for every prefix length, /128 included: the D1 lab
        // transcript has `fd85:ee78:d8a6:8607::1:eb84 dev eth0 proto kernel metric 256 pref medium`
        // for Calico's `fd85:ee78:d8a6:8607::1:eb84/128 dev eth0`.
        SubnetRoute(address: "fd85:ee78:d8a6:8607::1:eb84/128 dev eth0",
                    routes: ["fd85:ee78:d8a6:8607::1:eb84 dev eth0 proto kernel metric 256 pref medium"]),
    ]

    @Test("adding an address adds the kernel's subnet route (none for an IPv4 /32)", arguments: subnetRoutes)
    func subnetRoute(_ expected: SubnetRoute) throws {
        let address = try Sim.address(expected.address)
        let after = try Sim.applying([.addAddress(address)])
        #expect(after.pod.addresses == [address])
        #expect(Sim.table(after.pod, address.family) == expected.routes)
        #expect(Sim.routes(after.pod) == expected.routes)
    }

    @Test("a second address in the same subnet adds no second subnet route",
          arguments: [("10.6.212.145/16 dev net1", "10.6.212.146/16 dev net1"), ("fd00:10:6::2e5/64 dev net1", "fd00:10:6::2e6/64 dev net1")])
    func secondAddressSameSubnet(_ firstLine: String, _ secondLine: String) throws {
        let first = try Sim.address(firstLine), second = try Sim.address(secondLine)
        let once = try Sim.applying([.addAddress(first)])
        let twice = try Sim.applying([.addAddress(first), .addAddress(second)])
        #expect(twice.pod.addresses == [first, second])
        #expect(Sim.routes(twice.pod) == Sim.routes(once.pod))
        #expect(twice.pod.routes.count == 1)
    }

    @Test("the same address twice is EEXIST, an address on a missing link is ENODEV")
    func addressRefusals() throws {
        let address = try Sim.address("10.6.212.145/16 dev net1")
        let twice = try #require(Sim.refusal([.addAddress(address), .addAddress(address)]))
        #expect(twice.index == 1)
        #expect(twice.reason.isExists)

        let missing = try #require(Sim.refusal([.addAddress(try Sim.address("10.6.212.145/16 dev net9"))]))
        #expect(missing.reason.isNotFound)
    }
}

// MARK: - Rules

@Suite("PlanSimulator: rules")
struct PlanSimulatorRuleTests {
    struct Priorities: Sendable, CustomTestStringConvertible {
        let name: String
        let family: IPFamily
        /// Rules already there (with priorities).
        let existing: [String]
        /// The priorities the kernel gives the next rules added without one.
        let expected: [UInt32]
        var testDescription: String { name }
    }

    static let priorities: [Priorities] = [
        Priorities(name: "IPv4, fresh namespace", family: .v4, existing: [], expected: [32765, 32764, 32763]),
        Priorities(name: "IPv6, fresh namespace", family: .v6, existing: [], expected: [32765, 32764, 32763]),
        Priorities(name: "IPv4 after the fwmark rule at 1000", family: .v4, existing: ["1000: from all fwmark 0x1 lookup 100"],
                   expected: [999, 998]),
        Priorities(name: "IPv6 after the fwmark rule at 1000", family: .v6, existing: ["1000: from all fwmark 0x1 lookup 100"],
                   expected: [999, 998]),
        Priorities(name: "IPv4 after the host rule at 1000 and a rule at 32765", family: .v4,
                   existing: ["32765: from 10.6.212.145 lookup 101", "1000: from all lookup 500"], expected: [999]),
        Priorities(name: "IPv4, a rule after the defaults does not count", family: .v4,
                   existing: ["40000: from 10.1.0.0/16 lookup 200"], expected: [32765]),
        Priorities(name: "IPv4, a second rule at 0 gives 0", family: .v4, existing: ["0: from 10.1.0.0/16 lookup 200"], expected: [0, 0]),
    ]

    static func source(_ family: IPFamily, _ n: Int) -> String {
        family == .v4 ? "10.6.212.\(140 + n)" : "fd00:10:6::\(n + 1)"
    }

    @Test("a rule without priority gets the second rule's priority minus one", arguments: priorities)
    func defaultPriority(_ c: Priorities) throws {
        var pair = Sim.pair
        pair.pod.rules = try c.existing.map { try Sim.rule($0, c.family) }
        let added = try c.expected.indices.map { try Sim.rule("from \(Self.source(c.family, $0)) lookup 101", c.family) }
        let after = try Sim.applying(added.map { .addRule($0) }, to: pair)
        let given = after.pod.rules.suffix(added.count).map(\.priority)
        #expect(given == c.expected.map { Optional($0) })
    }

    @Test("the default priority is worked out per family")
    func priorityPerFamily() throws {
        var pair = Sim.pair
        pair.pod.rules = [try Sim.rule("1000: from all fwmark 0x1 lookup 100", .v4)]
        let actions: [PlanAction] = [
            .addRule(try Sim.rule("from 10.6.212.145 lookup 101")),
            .addRule(try Sim.rule("from fd00:10:6::2e5 lookup 101")),
            .addRule(try Sim.rule("from 10.233.73.210 lookup 100")),
            .addRule(try Sim.rule("from fd85:ee78:d8a6:8607::1:eb84 lookup 100")),
        ]
        let after = try Sim.applying(actions, to: pair)
        #expect(Sim.rules(after.pod, .v4) == [
            "998: from 10.233.73.210 lookup 100",
            "999: from 10.6.212.145 lookup 101",
            "1000: from all fwmark 0x1 lookup 100",
        ])
        #expect(Sim.rules(after.pod, .v6) == [
            "32764: from fd85:ee78:d8a6:8607::1:eb84 lookup 100",
            "32765: from fd00:10:6::2e5 lookup 101",
        ])
    }

    static let clashes: [(IPFamily, SimLinePair)] = [
        (.v4, SimLinePair("32765: from 10.6.212.145 lookup 101", "from 10.6.212.145 lookup 101 priority 32765", "IPv4 source rule")),
        (.v4, SimLinePair("1000: from all lookup 500", "from all lookup 500 priority 1000", "IPv4 host rule")),
        (.v4, SimLinePair("1000: from all fwmark 0x1 lookup 100", "from all fwmark 0x1/0xffffffff lookup 100 priority 1000",
                       "a full fwmask is no mask")),
        (.v6, SimLinePair("32765: from fd00:10:6::2e5 lookup 101", "from fd00:10:6::2e5 lookup 101 priority 32765", "IPv6 source rule")),
        (.v6, SimLinePair("1000: from all lookup 500", "from all lookup 500 priority 1000", "IPv6 host rule")),
    ]

    @Test("a rule with the same selector, table and priority is EEXIST", arguments: clashes)
    func addExisting(_ family: IPFamily, _ clash: SimLinePair) throws {
        var pair = Sim.pair
        pair.pod.rules = [try Sim.rule(clash.first, family)]
        let error = try #require(Sim.refusal([.addRule(try Sim.rule(clash.second, family))], to: pair))
        #expect(error.index == 0)
        #expect(error.reason.isExists, "\(error)")
    }

    static let besides: [SimLinePair] = [
        SimLinePair("32765: from 10.6.212.145 lookup 101", "from 10.6.212.145 lookup 101 priority 100", "another priority"),
        SimLinePair("32765: from 10.6.212.145 lookup 101", "from 10.6.212.145 lookup 102 priority 32765", "another table"),
        SimLinePair("32765: from 10.6.212.145 lookup 101", "from 10.6.212.146 lookup 101 priority 32765", "another source"),
        SimLinePair("1000: from all fwmark 0x1 lookup 100", "from all fwmark 0x1/0x1 lookup 100 priority 1000", "another fwmask"),
        SimLinePair("1000: from all lookup 500", "not from all lookup 500 priority 1000", "inverted"),
    ]

    @Test("rules that differ in priority, table or selector live side by side", arguments: besides)
    func addBeside(_ pair: SimLinePair) throws {
        var state = Sim.pair
        state.pod.rules = [try Sim.rule(pair.first, .v4)]
        let after = try Sim.applying([.addRule(try Sim.rule(pair.second, .v4))], to: state)
        #expect(after.pod.rules.count == 2)
    }

    @Test("the same rule in the other family is not a clash")
    func otherFamily() throws {
        var pair = Sim.pair
        pair.pod.rules = [try Sim.rule("1000: from all lookup 500", .v4)]
        let after = try Sim.applying([.addRule(try Sim.rule("from all lookup 500 priority 1000", .v6))], to: pair)
        #expect(Sim.rules(after.pod, .v6) == ["1000: from all lookup 500"])
    }

    // fib_nl_newrule sets the default priority before rule_exists() runs, and rule_exists()
    // compares the priority: a rule added again without priority lands one below the second
    // rule, beside the first copy. (This is how `ip rule add from X lookup T` piles up copies.)
    @Test("a rule added again without priority is added again, one priority lower (the kernel's rule_exists compares priorities)")
    func addAgainWithoutPriority() throws {
        let rule = try Sim.rule("from 10.6.212.145 lookup 101")
        let after = try Sim.applying([.addRule(rule), .addRule(rule)])
        #expect(Sim.rules(after.pod, .v4) == ["32764: from 10.6.212.145 lookup 101", "32765: from 10.6.212.145 lookup 101"])
    }

    @Test("a rule delete without priority removes the first matching rule; a missing rule is ENOENT")
    func deleteRule() throws {
        var pair = Sim.pair
        pair.pod.rules = [try Sim.rule("32765: from 10.6.212.145 lookup 101"), try Sim.rule("1000: from all lookup 500", .v4)]
        let after = try Sim.applying([.deleteRule(try Sim.rule("from 10.6.212.145 lookup 101"))], to: pair)
        #expect(Sim.rules(after.pod, .v4) == ["1000: from all lookup 500"])

        let withPriority = try Sim.applying([.deleteRule(try Sim.rule("from all lookup 500 priority 1000", .v4))], to: pair)
        #expect(Sim.rules(withPriority.pod, .v4) == ["32765: from 10.6.212.145 lookup 101"])

        for missing in ["from 10.6.212.145 lookup 101 priority 32764", "from 10.6.212.146 lookup 101", "from 10.6.212.145 lookup 102"] {
            let error = try #require(Sim.refusal([.deleteRule(try Sim.rule(missing))], to: pair), "\(missing)")
            #expect(error.reason.isNotFound, "\(missing)")
        }
        let v6 = try #require(Sim.refusal([.deleteRule(try Sim.rule("from all lookup 500", .v6))], to: pair))
        #expect(v6.reason.isNotFound)
    }
}

// MARK: - Neighbours

@Suite("PlanSimulator: neighbours")
struct PlanSimulatorNeighbourTests {
    static let entry = "10.6.212.132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"

    @Test("a neighbour for the same address on the same link is EEXIST, whatever its MAC",
          arguments: [entry, "10.6.212.132 dev eth0 lladdr 62:35:b3:20:51:e8 PERMANENT", "10.6.212.132 dev eth0 lladdr <random> PERMANENT"])
    func addExisting(_ line: String) throws {
        let error = try #require(Sim.refusal([.addNeighbour(try Sim.neighbour(Self.entry)), .addNeighbour(try Sim.neighbour(line))]))
        #expect(error.index == 1)
        #expect(error.reason.isExists, "\(error)")
    }

    @Test("neighbours on other links or for other addresses are added",
          arguments: ["10.6.212.132 dev net1 lladdr ee:ee:ee:ee:ee:ee PERMANENT", "10.6.212.133 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT",
                      "fd00:10:6::132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"])
    func addBeside(_ line: String) throws {
        let first = try Sim.neighbour(Self.entry), second = try Sim.neighbour(line)
        let after = try Sim.applying([.addNeighbour(first), .addNeighbour(second)])
        #expect(after.pod.neighbours == [first, second])
    }

    @Test("a neighbour on a missing link is ENODEV")
    func addOnMissingLink() throws {
        let error = try #require(Sim.refusal([.addNeighbour(try Sim.neighbour("10.6.212.132 dev eth9 lladdr ee:ee:ee:ee:ee:ee PERMANENT"))]))
        #expect(error.reason.isNotFound)
    }

    @Test("deleting a neighbour that is not there is ENOENT",
          arguments: ["10.6.212.133 dev eth0", "10.6.212.132 dev net1", "fd00:10:6::132 dev eth0"])
    func deleteMissing(_ line: String) throws {
        var pair = Sim.pair
        pair.pod.neighbours = [try Sim.neighbour(Self.entry)]
        let error = try #require(Sim.refusal([.deleteNeighbour(try Sim.neighbour(line))], to: pair))
        #expect(error.reason.isNotFound, "\(error)")
    }

    @Test("deleting a neighbour matches address and link, not the MAC")
    func deleteExisting() throws {
        var pair = Sim.pair
        let other = try Sim.neighbour("10.6.212.132 dev net1 lladdr ee:ee:ee:ee:ee:ee PERMANENT")
        pair.pod.neighbours = [try Sim.neighbour(Self.entry), other]
        let after = try Sim.applying([.deleteNeighbour(try Sim.neighbour("10.6.212.132 dev eth0 lladdr 00:11:22:33:44:55"))], to: pair)
        #expect(after.pod.neighbours == [other])
    }
}

// MARK: - Links

@Suite("PlanSimulator: links")
struct PlanSimulatorLinkTests {
    static func veth(_ name: String, _ peer: String) throws -> VethPair {
        VethPair(name: name, mac: try Sim.mac("0a:1b:00:00:00:01"), peerName: peer, peerMAC: try Sim.mac("0a:1b:00:00:00:02"), mtu: 1450)
    }

    @Test("a veth pair gets the next index in each namespace and points at its peer both ways", arguments: NamespaceRole.allCases)
    func vethPair(_ role: NamespaceRole) throws {
        var pair = Sim.pair
        pair.node.links.append(Link(name: "cali9", index: 9, kind: .veth, flags: Sim.running, peerIndex: 2, linkNetnsID: 1))
        let veth = try Self.veth("veth0", "veth9c4f5a3e21a")
        let after = try Sim.applying([.addVethPair(veth)], in: role, to: pair)

        let here = try #require(after[role].link(named: "veth0"))
        let there = try #require(after[role.other].link(named: "veth9c4f5a3e21a"))
        let expectedHere = role == .pod ? 7 : 10, expectedThere = role == .pod ? 10 : 7
        #expect(here.index == expectedHere)
        #expect(there.index == expectedThere)
        #expect(here.peerIndex == there.index)
        #expect(there.peerIndex == here.index)
        #expect(here.kind == .veth && there.kind == .veth)
        #expect(here.mac == veth.mac && there.mac == veth.peerMAC)
        #expect(here.mtu == 1450 && there.mtu == 1450)
        #expect(!here.isUp && !there.isUp, "a new veth is down")
        #expect(after[role].link(named: "veth9c4f5a3e21a") == nil)
        #expect(after[role.other].link(named: "veth0") == nil)
        #expect(after[role].links.count == pair[role].links.count + 1)
        #expect(after[role.other].links.count == pair[role.other].links.count + 1)
    }

    @Test("a veth pair whose name or peer name is taken is EEXIST",
          arguments: [("eth0", "vethhost"), ("veth0", "cali1a2b3c4d5e")])
    func vethPairTaken(_ name: String, _ peerName: String) throws {
        let error = try #require(Sim.refusal([.addVethPair(try Self.veth(name, peerName))]))
        #expect(error.reason.isExists, "\(error)")
    }

    /// Creates `veth0` (pod) ↔ `vethhost` (node) and hangs addresses, routes, neighbours and
    /// paths on both ends, beside things on other links that must survive.
    static func wired() throws -> NamespacePair {
        let pod: [PlanAction] = [
            .addVethPair(try veth("veth0", "vethhost")),
            .setLinkUp(name: "veth0"),
            .addAddress(try Sim.address("169.254.100.1/32 dev veth0")),
            .addAddress(try Sim.address("10.233.73.210/32 dev eth0")),
            .addRoute(try Sim.route("10.6.212.132 dev veth0 scope link")),
            .addRoute(try Sim.route("10.233.0.0/18 via 10.6.212.132 dev veth0 table 100")),
            .addRoute(try Sim.route("169.254.1.1 dev eth0 scope link")),
            .addNeighbour(try Sim.neighbour("10.6.212.132 dev veth0 lladdr 0a:1b:00:00:00:02 PERMANENT")),
            .addNeighbour(try Sim.neighbour("169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT")),
        ]
        let node: [PlanAction] = [
            .setLinkUp(name: "vethhost"),
            .addAddress(try Sim.address("169.254.200.1/24 dev vethhost")),
            .addAddress(try Sim.address("10.6.212.132/16 dev ens192")),
            .addRoute(try Sim.route("10.6.212.145 dev vethhost scope link table 500")),
            .addRoute(try Sim.route("fd00:10:6::2e5 dev vethhost table 500")),
            .addRoute(try Sim.route("fd00:10:99::/64 nexthop via fe80::1 dev vethhost weight 1 nexthop via fd00:10:6::1 dev ens192 weight 1")),
            .addNeighbour(try Sim.neighbour("10.6.212.145 dev vethhost lladdr 0a:1b:00:00:00:01 PERMANENT")),
            .addNeighbour(try Sim.neighbour("10.6.0.1 dev ens192 lladdr 00:50:56:b4:00:01 PERMANENT")),
        ]
        var plan = Sim.plan(.pod, pod)
        plan.operations += Sim.plan(.node, node).operations
        return try Sim.pair.applying(plan)
    }

    @Test("deleting either end of a veth removes both ends with their addresses, routes, neighbours and paths",
          arguments: [(NamespaceRole.pod, "veth0"), (NamespaceRole.node, "vethhost")])
    func deleteVeth(_ role: NamespaceRole, _ name: String) throws {
        let before = try Self.wired()
        let after = try Sim.applying([.deleteLink(name: name)], in: role, to: before)

        #expect(after.pod.links.map(\.name) == ["lo", "eth0", "net1"])
        #expect(after.node.links.map(\.name) == ["lo", "ens192", "cali1a2b3c4d5e"])
        #expect(after.pod.addresses.map(\.description) == ["10.233.73.210/32 dev eth0"])
        #expect(after.node.addresses.map(\.description) == ["10.6.212.132/16 dev ens192"])
        #expect(Sim.routes(after.pod) == ["169.254.1.1 dev eth0 scope link"])
        #expect(Sim.routes(after.node) == [
            "10.6.0.0/16 dev ens192 proto kernel scope link src 10.6.212.132",
            "fd00:10:99::/64 via fd00:10:6::1 dev ens192 metric 1024 pref medium",
        ])
        #expect(after.pod.neighbours.map(\.description) == ["169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"])
        #expect(after.node.neighbours.map(\.description) == ["10.6.0.1 dev ens192 lladdr 00:50:56:b4:00:01 PERMANENT"])
    }

    @Test("deleting the pod's eth0 removes its node end found by peer index")
    func deleteExistingVeth() throws {
        let after = try Sim.applying([.deleteLink(name: "eth0")])
        #expect(after.pod.links.map(\.name) == ["lo", "net1"])
        #expect(after.node.links.map(\.name) == ["lo", "ens192"])
    }

    @Test("deleting a macvlan leaves the node link its masterIndex names")
    func deleteMacvlan() throws {
        let after = try Sim.applying([.deleteLink(name: "net1")])
        #expect(after.pod.links.map(\.name) == ["lo", "eth0"])
        #expect(after.node == Sim.pair.node)
    }

    @Test("deleting a veth whose peer is in the same namespace removes the peer")
    func deleteLocalVeth() throws {
        var pair = Sim.pair
        pair.node.links += [
            Link(name: "vethA", index: 10, kind: .veth, peer: "vethB"),
            Link(name: "vethB", index: 11, kind: .veth, peer: "vethA"),
        ]
        pair.node.addresses = [try Sim.address("192.168.9.1/24 dev vethB")]
        let after = try Sim.applying([.deleteLink(name: "vethA")], in: .node, to: pair)
        #expect(after.node.links.map(\.name) == ["lo", "ens192", "cali1a2b3c4d5e"])
        #expect(after.node.addresses.isEmpty)
        #expect(after.pod == pair.pod)
    }

    struct PathLoss: Sendable, CustomTestStringConvertible {
        let route: String
        let remaining: [String]
        let why: String
        var testDescription: String { why }
    }

    // IPv6 keeps each path as a sibling route, and unregistering a device removes only the
    // siblings on it (fib6_ifdown). IPv4 keeps one fib_info for all paths, and
    // fib_sync_down_dev marks the whole route dead on NETDEV_UNREGISTER when any path uses the
    // device (`dead = fi->fib_nhs`), so the route is flushed.
    @Test("deleting a link that carries one path of a multipath route",
          arguments: [
              PathLoss(route: "default nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
                       remaining: ["default via fe80::ecee:eeff:feee:eeee dev eth0 metric 1024 pref medium"],
                       why: "IPv6: the other path stays as a single route"),
              PathLoss(route: "default nexthop via 169.254.1.1 dev eth0 weight 1 nexthop via 10.6.0.1 dev net1 weight 1",
                       remaining: [],
                       why: "IPv4: the kernel flushes the whole route"),
          ])
    func deleteLinkOfPath(_ loss: PathLoss) throws {
        let route = try Sim.route(loss.route)
        let after = try Sim.applying([.addRoute(route), .deleteLink(name: "net1")])
        #expect(Sim.table(after.pod, route.family) == loss.remaining)
    }

    @Test("deleting a missing link is ENODEV")
    func deleteMissing() throws {
        let error = try #require(Sim.refusal([.deleteLink(name: "veth0")]))
        #expect(error.reason.isNotFound)
    }

    static let setters: [PlanAction] = [
        .setLinkUp(name: "net9"), .setLinkMTU(name: "net9", mtu: 1450),
        .setLinkMAC(name: "net9", mac: MACAddress(value: 0x0a1b_0a06_d491) ?? .zero),
        .setLinkTxQueueLength(name: "net9", length: 1000),
    ]

    @Test("changing a link that is not there is ENODEV", arguments: setters)
    func setMissing(_ action: PlanAction) throws {
        let error = try #require(Sim.refusal([action]))
        #expect(error.reason.isNotFound, "\(error)")
        #expect(error.operation.action == action)
        let onNode = try #require(Sim.refusal([action], in: .node))
        #expect(onNode.reason.isNotFound)
    }

    @Test("link changes land on the named link only")
    func setExisting() throws {
        var pair = Sim.pair
        pair.pod.links[2].flags = [.broadcast, .multicast]
        pair.pod.links[2].randomMAC = true
        let mac = try Sim.mac("0a:1b:0a:06:d4:91")
        let after = try Sim.applying([
            .setLinkUp(name: "net1"), .setLinkMTU(name: "net1", mtu: 1450), .setLinkMAC(name: "net1", mac: mac),
            .setLinkTxQueueLength(name: "net1", length: 2000),
        ], to: pair)
        let net1 = try #require(after.pod.link(named: "net1"))
        #expect(net1.isOperational)
        #expect(net1.mtu == 1450)
        #expect(net1.mac == mac && !net1.randomMAC)
        #expect(net1.txqueuelen == 2000)
        #expect(after.pod.link(named: "eth0") == pair.pod.link(named: "eth0"))
        #expect(after.node == pair.node)
    }
}

// MARK: - Multipath

@Suite("PlanSimulator: deleteNexthop")
struct PlanSimulatorNexthopTests {
    struct Removal: Sendable, CustomTestStringConvertible {
        let route: String
        let request: String
        let family: IPFamily
        let gateway: String?
        let device: String
        let remaining: String
        var testDescription: String { "\(route) − \(gateway ?? "") \(device)" }
    }

    static let removals: [Removal] = [
        Removal(route: "default nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
                request: "default", family: .v6, gateway: "fe80::ecee:eeff:feee:eeee", device: "eth0",
                remaining: "default via fd00:10:6::1 dev net1 metric 1024 pref medium"),
        Removal(route: "default nexthop via fe80::ecee:eeff:feee:eeee dev eth0 weight 1 nexthop via fd00:10:6::1 dev net1 weight 1",
                request: "default", family: .v6, gateway: "fd00:10:6::1", device: "net1",
                remaining: "default via fe80::ecee:eeff:feee:eeee dev eth0 metric 1024 pref medium"),
        Removal(route: "default nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 169.254.1.1 dev eth0 weight 1 onlink",
                request: "default", family: .v4, gateway: "10.6.0.1", device: "net1",
                remaining: "default via 169.254.1.1 dev eth0 onlink"),
        Removal(route: "default nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 169.254.1.1 dev eth0 weight 1 table 101",
                request: "default table 101", family: .v4, gateway: "169.254.1.1", device: "eth0",
                remaining: "default via 10.6.0.1 dev net1 table 101"),
        Removal(route: "10.9.0.0/16 nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 169.254.1.1 dev eth0 weight 2 nexthop via 10.6.0.2 dev net1 weight 3",
                request: "10.9.0.0/16", family: .v4, gateway: "169.254.1.1", device: "eth0",
                remaining: "10.9.0.0/16 nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 10.6.0.2 dev net1 weight 3"),
    ]

    @Test("removing one path of a multipath route; one path left is a single-path route", arguments: removals)
    func removePath(_ removal: Removal) throws {
        let route = try Sim.route(removal.route)
        let nexthop = Nexthop(gateway: try removal.gateway.map { try Sim.ip($0) }, device: removal.device)
        let request = try Sim.route(removal.request, removal.family)
        let after = try Sim.applying([.addRoute(route), .deleteNexthop(route: request, nexthop: nexthop)])
        #expect(Sim.routes(after.pod) == [removal.remaining])
    }

    @Test("removing a path the route does not have is ENOENT",
          arguments: [("default", "10.6.0.9", "net1"), ("default", "10.6.0.1", "eth0"), ("default table 101", "10.6.0.1", "net1"),
                      ("10.9.0.0/16", "10.6.0.1", "net1")])
    func removeMissingPath(_ request: String, _ gateway: String, _ device: String) throws {
        let route = try Sim.route("default nexthop via 10.6.0.1 dev net1 weight 1 nexthop via 169.254.1.1 dev eth0 weight 1")
        let nexthop = Nexthop(gateway: try Sim.ip(gateway), device: device)
        let error = try #require(Sim.refusal([.addRoute(route), .deleteNexthop(route: try Sim.route(request, .v4), nexthop: nexthop)]))
        #expect(error.index == 1)
        #expect(error.reason.isNotFound, "\(error)")
    }
}

// MARK: - Plans and errors

@Suite("PlanSimulator: plans")
struct PlanSimulatorPlanTests {
    @Test("the error names the failing operation by its position in the plan", arguments: 0..<4)
    func failingIndex(_ position: Int) throws {
        var operations = [
            PlannedOperation(.pod, .setLinkUp(name: "net1"), reason: "up"),
            PlannedOperation(.node, .addRoute(try Sim.route("10.6.212.145 dev cali1a2b3c4d5e scope link table 500")), reason: "host route"),
            PlannedOperation(.pod, .addRoute(try Sim.route("10.6.212.132 dev eth0 scope link")), reason: "node route"),
        ]
        let bad = PlannedOperation(.pod, .addRoute(try Sim.route("10.9.0.0/16 dev net9")), reason: "bad")
        operations.insert(bad, at: position)
        let error = try #require(Sim.refusal(RoutePlan(operations)))
        #expect(error.index == position)
        #expect(error.operation == bad)
        #expect(error.reason.isNotFound)
        #expect(error.description.hasPrefix("operation \(position + 1) [pod] ip route add 10.9.0.0/16 dev net9"), "\(error)")
        #expect(error.description.hasSuffix("not found: link net9"), "\(error)")
    }

    @Test("an EEXIST names its object")
    func existsDescription() throws {
        let route = try Sim.route("10.6.212.132 dev eth0 scope link")
        let error = try #require(Sim.refusal([.addRoute(route), .addRoute(route)]))
        #expect(error.description.hasPrefix("operation 2 [pod] ip route add 10.6.212.132 dev eth0 scope link"), "\(error)")
        #expect(error.description.contains("file exists: route 10.6.212.132 dev eth0 scope link"), "\(error)")
    }

    @Test("sysctls and firewall rules are recorded in their namespace")
    func sysctlsAndFirewall() throws {
        let after = try Sim.pair.applying(RoutePlan([
            PlannedOperation(.pod, .setSysctl(key: "net.ipv4.conf.all.rp_filter", value: "0"), reason: "rp_filter"),
            PlannedOperation(.node, .setSysctl(key: "net.ipv4.conf.all.rp_filter", value: "2"), reason: "rp_filter"),
        ]))
        #expect(after.pod.sysctl("net.ipv4.conf.all.rp_filter") == "0")
        #expect(after.node.sysctl("net.ipv4.conf.all.rp_filter") == "2")
    }

    @Test("an empty plan changes nothing")
    func emptyPlan() throws {
        #expect(try Sim.pair.applying(RoutePlan()) == Sim.pair)
    }

    /// A plan with work in both namespaces: the pod's veth0 (peer on the node), a pod route
    /// and rule, a node route, and a node operation that fails.
    static func mixedPlan() throws -> RoutePlan {
        RoutePlan([
            PlannedOperation(.pod, .addVethPair(VethPair(name: "veth0", mac: try Sim.mac("0a:1b:00:00:00:01"), peerName: "vethhost",
                                                         peerMAC: try Sim.mac("0a:1b:00:00:00:02"), mtu: 1500)), reason: "veth"),
            PlannedOperation(.node, .addRoute(try Sim.route("10.6.212.145 dev cali1a2b3c4d5e scope link table 500")), reason: "host route"),
            PlannedOperation(.pod, .addRoute(try Sim.route("10.6.212.132 dev eth0 scope link")), reason: "node route"),
            PlannedOperation(.node, .deleteLink(name: "vethmissing"), reason: "fails on the node"),
            PlannedOperation(.pod, .addRule(try Sim.rule("from 10.6.212.145 lookup 101")), reason: "rule"),
        ])
    }

    @Test("NetworkState.applying(_:as:) runs only the operations of that namespace")
    func applyingAsPod() throws {
        let plan = try Self.mixedPlan()
        let pod = try Sim.pair.pod.applying(plan, as: .pod)
        #expect(pod.links.map(\.name) == ["lo", "eth0", "net1", "veth0"])
        #expect(pod.link(named: "veth0")?.index == 7)
        #expect(Sim.routes(pod) == ["10.6.212.132 dev eth0 scope link"])
        #expect(Sim.rules(pod, .v4) == ["32765: from 10.6.212.145 lookup 101"])
        #expect(pod.link(named: "vethhost") == nil, "the peer lands in the other namespace, which is left out")
    }

    @Test("NetworkState.applying(_:as:) for the node sees the node's operations only")
    func applyingAsNode() throws {
        var plan = try Self.mixedPlan()
        plan.operations.remove(at: 3)
        let node = try Sim.pair.node.applying(plan, as: .node)
        #expect(node.links == Sim.pair.node.links)
        #expect(Sim.routes(node) == ["10.6.212.145 dev cali1a2b3c4d5e scope link table 500"])
        #expect(node.rules.isEmpty)
    }

    @Test("NetworkState.applying(_:as:) reports the failing operation by its position in the given plan")
    func applyingAsFailure() throws {
        let plan = try Self.mixedPlan()
        do {
            _ = try Sim.pair.node.applying(plan, as: .node)
            Issue.record("deleting a missing link on the node must fail")
        } catch {
            #expect(error.operation == plan.operations[3])
            #expect(error.index == 3, "index \(error.index) is not the operation's position in the plan")
            #expect(error.reason.isNotFound)
        }
    }
}
