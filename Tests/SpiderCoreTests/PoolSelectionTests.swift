import Foundation
import Testing
@testable import SpiderCore
import SpiderCNI
import SpiderYAML
import SpiderEmbeddedLedger

/// Pool selection (spec §3.3–3.4), the allocation lifecycle over an `EmbeddedLedger`
/// (§3.5–3.6, §3.9–3.11, §3.13 as our CNI-GC analogue), pool management through
/// `IPAMService.apply`/`deletePool` (§2.1–2.3) and manifest handling.
///
/// Assertions follow the spec with the project's documented fixes: a stable sort that keeps
/// the user's order among equal pools, the multus filter only when `multusName` is set, IPv4
/// before IPv6 in results, and reversed ranges refused.
@Suite("Pool selection, allocation lifecycle and pool manifests")
struct PoolSelectionTests {
    typealias S = PoolTestSupport

    static func v4(_ name: String, _ ips: [String] = ["10.6.0.10-10.6.0.20"], subnet: String = "10.6.0.0/16",
                   default isDefault: Bool = false) -> SpiderIPPool {
        var pool = SpiderIPPool(name: name, subnet: subnet, ips: ips, ipVersion: 4)
        pool.isDefault = isDefault
        return pool
    }

    static func v6(_ name: String, _ ips: [String] = ["fd00:6::10-fd00:6::20"], subnet: String = "fd00:6::/64",
                   default isDefault: Bool = false) -> SpiderIPPool {
        var pool = SpiderIPPool(name: name, subnet: subnet, ips: ips, ipVersion: 6)
        pool.isDefault = isDefault
        return pool
    }

    static func request(_ interface: String = "eth0") throws -> AllocationRequest {
        var request = try S.request("c1", interface, pod: "default/web", uid: "uid-web")
        request.podLabels = ["app": "web"]
        request.namespaceLabels = ["team": "a"]
        request.nodeName = "node1"
        request.nodeLabels = ["zone": "z1"]
        return request
    }

    // MARK: - The ladder

    @Test("pod pools beat namespace defaults beat CNI config defaults beat default: true pools")
    func ladderOrder() throws {
        let selector = PoolSelector(pools: [
            Self.v4("pod-v4"), Self.v4("ns-v4"), Self.v4("cfg-v4"), Self.v4("def-v4", default: true),
            Self.v6("def-v6", default: true), Self.v4("not-default"),
        ])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["pod-v4"])
        request.namespaceDefaults = PoolChoice(ipv4: ["ns-v4"])
        request.configDefaults = PoolChoice(ipv4: ["cfg-v4"])

        var chosen = try selector.candidates(for: request)
        #expect(chosen.rule == .podAnnotation)
        // The pod named only IPv4 pools: it gets only IPv4, the default IPv6 pool is not added.
        #expect(chosen.pools == [.v4: ["pod-v4"]])

        request.podPools = nil
        chosen = try selector.candidates(for: request)
        #expect(chosen.rule == .namespaceDefaults)
        #expect(chosen.pools == [.v4: ["ns-v4"]])

        request.namespaceDefaults = PoolChoice()
        chosen = try selector.candidates(for: request)
        #expect(chosen.rule == .configDefaults)
        #expect(chosen.pools == [.v4: ["cfg-v4"]])

        request.configDefaults = PoolChoice()
        chosen = try selector.candidates(for: request)
        #expect(chosen.rule == .clusterDefaults)
        #expect(chosen.pools == [.v4: ["def-v4"], .v6: ["def-v6"]])

        let bare = PoolSelector(pools: [Self.v4("not-default")])
        #expect(S.ipamError { _ = try bare.candidates(for: request) } == .noPoolSelected(interface: "eth0"))
        #expect(IPAMError.noPoolSelected(interface: "eth0").description.contains("no IPPool available"))
    }

    @Test("the first rule that yields pools wins: no fall-through when its pools are all filtered")
    func noFallThrough() throws {
        var off = Self.v4("ns-off")
        off.disable = true
        let selector = PoolSelector(pools: [off, Self.v4("def-v4", default: true), Self.v4("cfg-v4")])
        var request = try Self.request()
        request.namespaceDefaults = PoolChoice(ipv4: ["ns-off"])
        request.configDefaults = PoolChoice(ipv4: ["cfg-v4"])
        let error = S.ipamError { _ = try selector.candidates(for: request) }
        #expect(error == .allPoolsFilteredOut(family: .v4, pools: ["ns-off"], interface: "eth0", reasons: ["disabled IPPool ns-off"]))
        #expect(error?.description.hasPrefix("no IPPool available, all IPv4 IPPools [\"ns-off\"] of eth0 filtered out") == true,
                "\(String(describing: error))")

        // The same through the allocator: an error, and nothing written.
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(off, Self.v4("def-v4", ["10.6.1.1-10.6.1.9"], default: true))
        var add = try S.request("c1", pod: "default/web", uid: "u1")
        add.namespaceDefaults = PoolChoice(ipv4: ["ns-off"])
        #expect(S.ipamError { _ = try store.service.allocate(add) }.map { CNIError.code(for: $0) } == 100)
        #expect(try store.ledger.allRecords().isEmpty)
    }

    @Test("families disabled on the node are dropped silently")
    func disabledFamily() throws {
        let selector = PoolSelector(pools: [Self.v4("a4"), Self.v6("a6")])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["a4"], ipv6: ["a6"])
        #expect(try selector.candidates(for: request).pools == [.v4: ["a4"], .v6: ["a6"]])
        request.enabledFamilies = [.v4]
        #expect(try selector.candidates(for: request).pools == [.v4: ["a4"]])
        request.enabledFamilies = [.v6]
        #expect(try selector.candidates(for: request).pools == [.v6: ["a6"]])
    }

    // MARK: - Wildcards, duplicates, missing pools

    @Test("wildcards expand in place, in order, against the pools of the family")
    func wildcards() throws {
        let selector = PoolSelector(pools: [Self.v4("blue-1"), Self.v4("red-1"), Self.v4("blue-2"), Self.v6("blue-6"), Self.v4("bl")])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["red-1", "blue-*"], ipv6: ["blue-?"])
        let chosen = try selector.candidates(for: request)
        #expect(chosen.pools[.v4] == ["red-1", "blue-1", "blue-2"])
        #expect(chosen.pools[.v6] == ["blue-6"])

        request.podPools = PoolChoice(ipv4: ["[br]*-1", "green-*"])
        #expect(try selector.candidates(for: request).pools[.v4] == ["blue-1", "red-1"])

        #expect(Glob.hasWildcard("pool[") == false)
        #expect(Glob.hasWildcard("pool]") == false)
        #expect(Glob.matches("blue-[!2]", "blue-1"))
        #expect(!Glob.matches("blue-[!2]", "blue-2"))
        #expect(Glob.matches("blue-[0-9]", "blue-2"))
        #expect(!Glob.matches("blue-*", "blue"))

        // A wildcard that expands to a pool also named explicitly: the pool is listed twice.
        request.podPools = PoolChoice(ipv4: ["blue-1", "blue-*"])
        #expect(S.ipamError { _ = try selector.candidates(for: request) } == .duplicatePool("blue-1", interface: "eth0"))
    }

    @Test("a wildcard list that matches no pool fails the ADD (never an empty success)")
    func wildcardMatchingNothing() throws {
        let selector = PoolSelector(pools: [Self.v4("blue-1")])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["green-*"])
        // Spiderpool: "no IPPool available, all IPv4 IPPools [] of eth0 filtered out".
        let error = S.ipamError { _ = try selector.candidates(for: request) }
        #expect(error.map { CNIError.code(for: $0) } == 100, "expected ErrNoAvailablePool, got \(String(describing: error))")

        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(Self.v4("blue-1"))
        var add = try S.request("c1", pod: "default/web", uid: "u1", v4: ["green-*"])
        add.enabledFamilies = [.v4]
        var result: AllocationResult?
        let failure = S.ipamError { result = try store.service.allocate(add) }
        #expect(failure != nil, "ADD must fail, got addresses \(result?.addresses.map(\.address.description) ?? [])")
    }

    @Test("a malformed wildcard pattern fails the allocation")
    func malformedWildcard() throws {
        let selector = PoolSelector(pools: [Self.v4("ippool-n")])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["p1", "[ippool]["])
        let error = S.ipamError { _ = try selector.candidates(for: request) }
        // Spiderpool: "failed to match wildcard: syntax error in pattern".
        #expect(error != nil && error != .poolNotFound("p1"), "expected a pattern error, got \(String(describing: error))")
        #expect(error?.description.contains("[ippool][") == true, "\(String(describing: error))")
    }

    @Test("the same pool twice, and a missing pool")
    func duplicateAndMissing() throws {
        let selector = PoolSelector(pools: [Self.v4("a"), Self.v4("b")])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["a", "b", "a"])
        let duplicate = S.ipamError { _ = try selector.candidates(for: request) }
        #expect(duplicate == .duplicatePool("a", interface: "eth0"))
        #expect(duplicate?.description == "wrong input, duplicate IPPool a specified for NIC eth0")

        request.podPools = PoolChoice(ipv4: ["a", "nope"])
        let missing = S.ipamError { _ = try selector.candidates(for: request) }
        #expect(missing == .poolNotFound("nope"))
        #expect(missing?.description.contains("failed to get original IPPool nope") == true)
    }

    // MARK: - Filters

    @Test("every filter, with its reason, and the surviving pools ordered by affinity")
    func filters() throws {
        func pool(_ name: String, _ edit: (inout SpiderIPPool) -> Void) -> SpiderIPPool {
            var p = Self.v4(name)
            edit(&p)
            return p
        }
        let failing: [(SpiderIPPool, String)] = [
            (pool("off") { $0.disable = true }, "disabled IPPool off"),
            (Self.v6("six"), "expect an IPv4 IPPool, but the version of the IPPool six is IPv6"),
            (pool("node-name") { $0.nodeName = ["node2"] }, "unmatched Node name of IPPool node-name"),
            (pool("node-aff") { $0.nodeAffinity = LabelSelector(matchLabels: ["zone": "z2"]) }, "unmatched Node affinity of IPPool node-aff"),
            (pool("ns-name") { $0.namespaceName = ["kube-system"] }, "unmatched Namespace name of IPPool ns-name"),
            (pool("ns-aff") { $0.namespaceAffinity = LabelSelector(matchLabels: ["team": "b"]) }, "unmatched Namespace affinity of IPPool ns-aff"),
            (pool("pod-aff") { $0.podAffinity = LabelSelector(matchLabels: ["app": "db"]) }, "unmatched Pod affinity of IPPool pod-aff"),
            (pool("multus") { $0.multusName = ["kube-system/macvlan"] }, "the spec.multusName"),
        ]
        let fitting: [SpiderIPPool] = [
            pool("plain") { _ in },
            // nodeName, when set, replaces nodeAffinity (and namespaceName replaces namespaceAffinity).
            pool("node-name-ok") { $0.nodeName = ["node1"]; $0.nodeAffinity = LabelSelector(matchLabels: ["zone": "z2"]) },
            pool("ns-name-ok") { $0.namespaceName = ["default"]; $0.namespaceAffinity = LabelSelector(matchLabels: ["team": "b"]) },
            pool("node-aff-ok") { $0.nodeAffinity = LabelSelector(matchExpressions: [.init(key: "zone", operator: .in, values: ["z1", "z3"])]) },
            pool("ns-aff-ok") { $0.namespaceAffinity = LabelSelector(matchExpressions: [.init(key: "team", operator: .exists)]) },
            pool("pod-aff-ok") { $0.podAffinity = LabelSelector(matchLabels: ["app": "web"]) },
        ]
        let all = failing.map { $0.0 } + fitting
        let selector = PoolSelector(pools: all)
        var request = try Self.request()

        // Each failing pool alone: filtered, with its reason.
        for (pool, reason) in failing {
            request.podPools = PoolChoice(ipv4: [pool.name])
            let error = S.ipamError { _ = try selector.candidates(for: request) }
            guard case .allPoolsFilteredOut(let family, let pools, let interface, let reasons)? = error else {
                Issue.record("\(pool.name): expected allPoolsFilteredOut, got \(String(describing: error))")
                continue
            }
            #expect(family == .v4 && pools == [pool.name] && interface == "eth0")
            #expect(reasons.count == 1 && reasons[0].hasPrefix(reason), "\(pool.name): \(reasons)")
        }
        // The multus reason names the pool, the NIC and the Pod's NetworkAttachmentDefinition.
        request.podPools = PoolChoice(ipv4: ["multus"])
        request.multusName = "default/other"
        if case .allPoolsFilteredOut(_, _, _, let reasons)? = S.ipamError({ _ = try selector.candidates(for: request) }) {
            #expect(reasons.first?.contains("in the IPPool multus used by the Pod interface eth0 is not matched with the multusCR default/other specified by the Pod") == true, "\(reasons)")
        } else {
            Issue.record("multus pool must be filtered for default/other")
        }
        // multusName matches: `ns/name`, and a bare name means the install namespace.
        request.multusName = "kube-system/macvlan"
        #expect(try selector.candidates(for: request).pools[.v4] == ["multus"])
        var bare = Self.v4("multus-bare")
        bare.multusName = ["macvlan"]
        request.podPools = PoolChoice(ipv4: ["multus-bare"])
        #expect(try PoolSelector(pools: [bare]).candidates(for: request).pools[.v4] == ["multus-bare"])

        // Everything at once: the fitting pools survive, by affinity rank, then the user's order.
        request.multusName = nil  // pools without multusName are never filtered by multus
        request.podPools = PoolChoice(ipv4: all.map(\.name))
        #expect(try selector.candidates(for: request).pools[.v4]
                == ["pod-aff-ok", "node-name-ok", "node-aff-ok", "ns-name-ok", "ns-aff-ok", "plain"])

        // Every candidate filtered: all reasons, in the order of the list.
        request.podPools = PoolChoice(ipv4: failing.map { $0.0.name })
        let error = S.ipamError { _ = try selector.candidates(for: request) }
        guard case .allPoolsFilteredOut(_, let pools, _, let reasons)? = error else {
            Issue.record("expected allPoolsFilteredOut, got \(String(describing: error))")
            return
        }
        #expect(pools == failing.map { $0.0.name })
        #expect(reasons.count == failing.count)
        for (reason, (_, prefix)) in zip(reasons, failing) { #expect(reason.hasPrefix(prefix), "\(reason)") }
    }

    @Test("pools of equal rank keep the user's order (stable sort)")
    func stableOrder() throws {
        var affine = Self.v4("z")
        affine.nodeName = ["node1"]
        let selector = PoolSelector(pools: [Self.v4("a"), Self.v4("b"), Self.v4("c"), affine])
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["c", "a", "b"])
        #expect(try selector.candidates(for: request).pools[.v4] == ["c", "a", "b"])
        request.podPools = PoolChoice(ipv4: ["b", "a", "z", "c"])
        #expect(try selector.candidates(for: request).pools[.v4] == ["z", "b", "a", "c"])
        // The pure sort, on a longer list.
        let names = (0..<40).map { "p\(39 - $0)" }
        #expect(PoolSelector.sortedByPriority(names.map { Self.v4($0) }).map(\.name) == names)
    }

    // MARK: - PoolChoice (ippool / ippools annotations)

    @Test("ippools: at least one item, names on all or none, no duplicates, the current NIC named")
    func poolChoiceRules() throws {
        func error(_ json: String, _ interface: String = "eth0") -> String? {
            S.ipamError { _ = try PoolChoice.parseMultiple(json, interface: interface) }?.description
        }
        #expect(error("[]")?.contains("value requires at least one item") == true)
        #expect(error(#"[{"interface":"eth0","ipv4":["a"]},{"ipv4":["b"]}]"#)?.contains("NIC should be either all specified or all unspecified") == true)
        #expect(error(#"[{"interface":"eth0","ipv4":["a"]},{"interface":"eth0","ipv4":["b"]}]"#)?.contains("duplicate interface eth0") == true)
        #expect(error(#"[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["b"]}]"#, "net2")?.contains("interface net2 must be specified") == true)
        #expect(error("{not json")?.contains("ipam.spidernet.io/ippools") == true)
        #expect(error(#"{"ipv4":["a"]}"#) != nil, "an object is not a list")
        #expect(error(#"[{"ipv4":"a"}]"#) != nil, "ipv4 must be a list")
        for bad in ["[]", "{not json"] {
            if case .invalidPoolChoice? = S.ipamError({ _ = try PoolChoice.parseMultiple(bad, interface: "eth0") }) {} else {
                Issue.record("\(bad): expected invalidPoolChoice")
            }
        }

        let named = #"[{"interface":"eth0","ipv4":["a"],"cleangateway":false},{"interface":"net1","ipv4":["b"],"ipv6":["b6"],"cleangateway":true}]"#
        #expect(try PoolChoice.parseMultiple(named, interface: "eth0") == PoolChoice(interface: "eth0", ipv4: ["a"], cleanGateway: false))
        #expect(try PoolChoice.parseMultiple(named, interface: "net1") == PoolChoice(interface: "net1", ipv4: ["b"], ipv6: ["b6"], cleanGateway: true))

        // No names: by position, eth0 first, then net1, net2, …
        let positional = #"[{"ipv4":["a"]},{"ipv4":["b"]}]"#
        #expect(try PoolChoice.parseMultiple(positional, interface: "eth0")?.ipv4 == ["a"])
        #expect(try PoolChoice.parseMultiple(positional, interface: "net1")?.ipv4 == ["b"])
        #expect(try PoolChoice.parseMultiple(positional, interface: "net2") == nil)

        #expect(try PoolChoice.parseSingle(#"{"ipv4":["a"],"ipv6":["b"]}"#) == PoolChoice(ipv4: ["a"], ipv6: ["b"]))
        #expect(S.ipamError { _ = try PoolChoice.parseSingle(#"["a"]"#) } != nil)
        #expect(S.ipamError { _ = try PoolChoice.parseSingle(#"{"ipv4":"a"}"#) } != nil)
    }

    @Test("cleangateway: the gateway is reported, the default route is not")
    func cleanGateway() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("gw", "10.9.0.0/24", ["10.9.0.10-10.9.0.20"], gateway: "10.9.0.1"))
        let gateway = IPAddress("10.9.0.1")!
        let defaultRoute = PoolRoute(dst: IPNetwork("0.0.0.0/0")!, gw: gateway)

        var plain = try S.request("c1", pod: "default/a", uid: "ua", v4: ["gw"])
        var result = try store.service.allocate(plain)
        #expect(result.addresses.first?.gateway == gateway)
        #expect(result.routes.contains(defaultRoute))

        var clean = try S.request("c2", pod: "default/b", uid: "ub")
        clean.podPools = PoolChoice(ipv4: ["gw"], cleanGateway: true)
        result = try store.service.allocate(clean)
        #expect(result.addresses.first?.gateway == gateway)
        #expect(!result.routes.contains(defaultRoute))

        // The CNI config's clean_gateway, unless the Pod's ippools entry says otherwise.
        plain = try S.request("c3", pod: "default/c", uid: "uc", v4: ["gw"])
        plain.cleanGateway = true
        #expect(try !store.service.allocate(plain).routes.contains(defaultRoute))
        var override = try S.request("c4", pod: "default/d", uid: "ud")
        override.cleanGateway = true
        override.podPools = PoolChoice(ipv4: ["gw"], cleanGateway: false)
        #expect(try store.service.allocate(override).routes.contains(defaultRoute))
    }

    // MARK: - Allocation

    @Test("dual stack is all or nothing, and IPv4 comes before IPv6")
    func dualStack() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("d4", "10.3.0.0/24", ["10.3.0.1-10.3.0.5"]),
                        PoolTestSupport.pool("d6", "fd00:3::/64", ["fd00:3::1"]))
        let squatter = try S.request("other", pod: "default/other", uid: "uo", v6: ["d6"])
        _ = try store.service.allocate(squatter)

        let request = try S.request("c1", pod: "default/dual", uid: "ud", v4: ["d4"], v6: ["d6"])
        let error = S.ipamError { _ = try store.service.allocate(request) }
        #expect(error == .poolsExhausted(family: .v6, pools: ["d6"], interface: "eth0"))
        #expect(try store.ledger.records(pool: "d4").isEmpty, "the IPv4 address taken in the same call is released")
        #expect(try store.service.held(by: request.attachment).isEmpty)

        try store.service.release(squatter.attachment)
        let result = try store.service.allocate(request)
        #expect(result.addresses.map(\.address.description) == ["10.3.0.1/24", "fd00:3::1/64"])
        #expect(result.addresses.map(\.pool) == ["d4", "d6"])
    }

    @Test("lowest free address, skipping excludeIPs and SpiderReservedIPs; released addresses are reused")
    func lowestFree() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("lf", "10.2.0.0/24", ["10.2.0.1-10.2.0.10"], exclude: ["10.2.0.1-10.2.0.2"]))
        try store.reserve("hold", ["10.2.0.3", "10.2.0.5"])
        func add(_ id: String) throws -> String? {
            try store.service.allocate(try S.request(id, pod: "default/\(id)", uid: "u-\(id)", v4: ["lf"])).addresses.first?.address.description
        }
        #expect(try add("a") == "10.2.0.4/24")
        #expect(try add("b") == "10.2.0.6/24")
        #expect(try add("c") == "10.2.0.7/24")
        try store.service.release(try S.attachment("a"))
        #expect(try add("d") == "10.2.0.4/24")
        // Releasing with another attachment releases nothing.
        #expect(try store.service.release(try S.attachment("nobody")).isEmpty)
        #expect(try store.addresses("lf") == ["10.2.0.4", "10.2.0.6", "10.2.0.7"])
        // A reservation never takes an address away from its holder.
        try store.reserve("late", ["10.2.0.6"])
        #expect(try store.addresses("lf").contains("10.2.0.6"))
        #expect(try add("e") == "10.2.0.8/24")
    }

    @Test("fixed IP requests: inside the pool, outside every pool, taken, excluded, reserved")
    func fixedAddresses() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("fix", "10.4.0.0/24", ["10.4.0.1-10.4.0.20"], exclude: ["10.4.0.5"]))
        try store.reserve("fix-hold", ["10.4.0.6"])
        func request(_ id: String, _ ip: String) throws -> AllocationRequest {
            var r = try S.request(id, pod: "default/\(id)", uid: "u-\(id)", v4: ["fix"])
            r.fixedAddresses = [IPAddress(ip)!]
            return r
        }
        let first = try store.service.allocate(try request("first", "10.4.0.7"))
        #expect(first.addresses.map(\.address.description) == ["10.4.0.7/24"])
        // Retried ADD: the same.
        #expect(try store.service.allocate(try request("first", "10.4.0.7")) == first)

        let before = try store.ledger.allRecords()
        let cases: [(String, IPAMError)] = [
            ("10.4.1.7", .fixedAddressOutsidePools(IPAddress("10.4.1.7")!, pools: ["fix"])),
            ("10.4.0.30", .fixedAddressOutsidePools(IPAddress("10.4.0.30")!, pools: ["fix"])),
            ("10.4.0.7", .fixedAddressTaken(IPAddress("10.4.0.7")!, pool: "fix", holder: "default/first")),
        ]
        for (ip, expected) in cases {
            let error = S.ipamError { _ = try store.service.allocate(try request("second", ip)) }
            #expect(error == expected, "\(ip): \(String(describing: error))")
            #expect(error.map { CNIError.code(for: $0) } == 102)
        }
        let excluded = S.ipamError { _ = try store.service.allocate(try request("second", "10.4.0.5")) }
        if case .fixedAddressUnavailable(let address, "fix", let reason)? = excluded {
            #expect(address.description == "10.4.0.5" && reason.contains("excludeIPs"), "\(reason)")
        } else {
            Issue.record("excluded: \(String(describing: excluded))")
        }
        let reserved = S.ipamError { _ = try store.service.allocate(try request("second", "10.4.0.6")) }
        if case .fixedAddressUnavailable(let address, "fix", let reason)? = reserved {
            #expect(address.description == "10.4.0.6" && reason.contains("SpiderReservedIP"), "\(reason)")
        } else {
            Issue.record("reserved: \(String(describing: reserved))")
        }
        #expect(try store.ledger.allRecords() == before, "a refused fixed IP writes nothing")
        #expect(try store.service.held(by: try S.attachment("second")).isEmpty)
    }

    // MARK: - Sticky addresses, takeover, GC

    @Test("a StatefulSet-style Pod gets its address back; others take a parked address only when nothing else is free")
    func stickyAddresses() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("sts", "10.7.0.0/24", ["10.7.0.1-10.7.0.2"]))
        func add(_ container: String, _ pod: String, _ uid: String) throws -> String? {
            try store.service.allocate(try S.request(container, pod: pod, uid: uid, v4: ["sts"])).addresses.first?.address.description
        }
        #expect(try add("web0-a", "default/web-0", "uid-1") == "10.7.0.1/24")
        let parked = try store.service.release(try S.attachment("web0-a"))
        #expect(parked.map(\.address.description) == ["10.7.0.1"])
        #expect(try store.service.held(by: try S.attachment("web0-a")).isEmpty)
        #expect(try store.ledger.records(pool: "sts").map(\.owner.isParked) == [true])

        // Re-created with a new container ID (and a new Pod UID): the same address.
        #expect(try add("web0-b", "default/web-0", "uid-2") == "10.7.0.1/24")
        let record = try store.ledger.records(pool: "sts").first
        #expect(record?.owner.podUID == "uid-2" && record?.owner.containerID == "web0-b")

        // Parked again; another Pod gets the free address, not the parked one.
        try store.service.release(try S.attachment("web0-b"))
        #expect(try add("other-a", "default/nginx-x", "uid-x") == "10.7.0.2/24")
        // The pool is otherwise full: the parked address is reused.
        #expect(try add("other-b", "default/nginx-y", "uid-y") == "10.7.0.1/24")
        // web-0 comes back to a full pool.
        let error = S.ipamError { _ = try add("web0-c", "default/web-0", "uid-3") }
        #expect(error == .poolsExhausted(family: .v4, pools: ["sts"], interface: "eth0"))

        // `.never` releases for good.
        try store.service.release(try S.attachment("other-a"))
        #expect(try add("web0-d", "default/web-0", "uid-4") == "10.7.0.2/24")
        #expect(try store.service.release(try S.attachment("web0-d"), sticky: .never).count == 1)
        #expect(try store.addresses("sts") == ["10.7.0.1"])
    }

    @Test("repeated ADDs with new container IDs for the same Pod never drain the pool (Spiderpool #4295)")
    func staleSandboxTakeover() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("take", "10.8.0.0/24", ["10.8.0.1-10.8.0.3"]))
        for attempt in 1...25 {
            let request = try S.request("sandbox-\(attempt)", pod: "default/app-abcde", uid: "uid-app", v4: ["take"])
            let result = try store.service.allocate(request)
            #expect(result.addresses.map(\.address.description) == ["10.8.0.1/24"], "attempt \(attempt)")
            #expect(try store.ledger.records(pool: "take").count == 1, "attempt \(attempt)")
            if attempt > 1 { #expect(try store.service.held(by: try S.attachment("sandbox-\(attempt - 1)")).isEmpty) }
        }
        // Another interface of the same Pod is another NIC: its own address (no shared IP).
        let net1 = try store.service.allocate(try S.request("sandbox-25", "net1", pod: "default/app-abcde", uid: "uid-app", v4: ["take"]))
        #expect(net1.addresses.map(\.address.description) == ["10.8.0.2/24"])
        // A new Pod with the same name but another UID is not the same Pod.
        let fresh = try store.service.allocate(try S.request("sandbox-new", pod: "default/app-abcde", uid: "uid-other", v4: ["take"]))
        #expect(fresh.addresses.map(\.address.description) == ["10.8.0.3/24"])
        // A Pod without a UID never takes anything over.
        let anonymous = S.ipamError { _ = try store.service.allocate(try S.request("anon", pod: "default/app-abcde", uid: "", v4: ["take"])) }
        #expect(anonymous == .poolsExhausted(family: .v4, pools: ["take"], interface: "eth0"))
    }

    @Test("a failed dual-stack ADD leaves a sticky Pod's parked address parked for it (all or nothing)")
    func failedAddKeepsParkedAddress() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("s4", "10.20.0.0/24", ["10.20.0.1-10.20.0.5"]),
                        PoolTestSupport.pool("s6", "fd00:20::/64", ["fd00:20::1"]))
        // web-0 held only an IPv4 address, then its Pod was deleted: the address is parked.
        _ = try store.service.allocate(try S.request("web0-a", pod: "default/web-0", uid: "u1", v4: ["s4"]))
        try store.service.release(try S.attachment("web0-a"))
        let squatter = try S.request("other", pod: "default/other", uid: "uo", v6: ["s6"])
        _ = try store.service.allocate(squatter)

        // Re-created dual-stack while the IPv6 pool is full: the ADD fails…
        let dual = try S.request("web0-b", pod: "default/web-0", uid: "u2", v4: ["s4"], v6: ["s6"])
        #expect(S.ipamError { _ = try store.service.allocate(dual) } == .poolsExhausted(family: .v6, pools: ["s6"], interface: "eth0"))
        // …and leaves the store as it was: 10.20.0.1 still parked for default/web-0.
        let records = try store.ledger.records(pool: "s4")
        #expect(records.map(\.address.description) == ["10.20.0.1"], "the parked address must not be released by the rollback")
        #expect(records.first?.owner.isParked == true && records.first?.owner.pod == "default/web-0")
        // Another Pod still does not get it while other addresses are free.
        let stranger = try store.service.allocate(try S.request("x", pod: "default/nginx-z", uid: "uz", v4: ["s4"]))
        #expect(stranger.addresses.map(\.address.description) == ["10.20.0.2/24"])
        try store.service.release(squatter.attachment)
        let back = try store.service.allocate(dual)
        #expect(back.addresses.map(\.address.description) == ["10.20.0.1/24", "fd00:20::1/64"])
    }

    @Test("a fixed-IP Pod re-created in a new sandbox takes over its own address")
    func fixedAddressTakeover() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("fx", "10.21.0.0/24", ["10.21.0.1-10.21.0.9"]))
        func request(_ container: String, _ uid: String, pod: String = "default/fixed-pod") throws -> AllocationRequest {
            var r = try S.request(container, pod: pod, uid: uid, v4: ["fx"])
            r.fixedAddresses = [IPAddress("10.21.0.7")!]
            return r
        }
        #expect(try store.service.allocate(try request("c1", "uid-f")).addresses.map(\.address.description) == ["10.21.0.7/24"])
        // Same Pod (UID, interface), new container ID: its stale sandbox's address is taken over.
        var retaken: AllocationResult?
        let again = S.ipamError { retaken = try store.service.allocate(try request("c2", "uid-f")) }
        #expect(again == nil, "the Pod's own stale sandbox must not block its fixed address: \(String(describing: again))")
        #expect(retaken?.addresses.map(\.address.description) == ["10.21.0.7/24"])
        #expect(try store.ledger.records(pool: "fx").count == 1)
        #expect(try store.service.held(by: try S.attachment("c1")).isEmpty)
        // Another Pod asking for it is refused.
        let other = S.ipamError { _ = try store.service.allocate(try request("c3", "uid-g", pod: "default/other")) }
        if case .fixedAddressTaken? = other {} else { Issue.record("another Pod: \(String(describing: other))") }
    }

    @Test("GC releases records of attachments not in the valid list, never a live one, and parks sticky ones")
    func garbageCollection() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("gc", "10.10.0.0/24", ["10.10.0.1-10.10.0.10"]))
        func add(_ container: String, _ pod: String) throws {
            _ = try store.service.allocate(try S.request(container, pod: pod, uid: "u-\(container)", v4: ["gc"]))
        }
        try add("live", "default/live-a")
        try add("dead", "default/dead-b")
        try add("db", "default/db-0")
        let live = try S.attachment("live")
        let released = try store.service.collectGarbage(valid: [live])
        #expect(Set(released.map(\.owner.containerID)) == ["dead", "db"])
        #expect(try store.service.held(by: live).map(\.address.description) == ["10.10.0.1"])
        #expect(try store.service.held(by: try S.attachment("dead")).isEmpty)
        let records = try store.ledger.records(pool: "gc")
        #expect(records.map(\.address.description) == ["10.10.0.1", "10.10.0.3"])
        #expect(records.map(\.owner.isParked) == [false, true])
        // A second run finds nothing; parked records stay.
        #expect(try store.service.collectGarbage(valid: [live]).isEmpty)
        // The sticky Pod comes back to its address.
        let back = try store.service.allocate(try S.request("db2", pod: "default/db-0", uid: "u-db2", v4: ["gc"]))
        #expect(back.addresses.map(\.address.description) == ["10.10.0.3/24"])
        // Both live now: nothing to collect.
        #expect(try store.service.collectGarbage(valid: [live, try S.attachment("db2")]).isEmpty)
    }

    // MARK: - Pool management

    @Test("apply: created, unchanged, configured; removing an allocated IP is refused")
    func applyAndUpdate() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        var pool = PoolTestSupport.pool("mgmt", "10.1.0.0/24", ["10.1.0.1-10.1.0.10"])
        #expect(try store.apply(pool) == ["spiderippool/mgmt created"])
        #expect(try store.apply(pool) == ["spiderippool/mgmt unchanged"])
        pool.gateway = "10.1.0.254"
        #expect(try store.apply(pool) == ["spiderippool/mgmt configured"])
        _ = try store.service.allocate(try S.request("u1", pod: "default/user", uid: "uu", v4: ["mgmt"]))

        var shrunk = pool
        shrunk.ips = ["10.1.0.2-10.1.0.10"]
        let refusal = S.manifestError { try store.apply(shrunk) }
        if case .forbidden(_, "mgmt", _, let reason)? = refusal {
            #expect(reason.contains("remove an IP address 10.1.0.1 that is being used by Pod default/user"), "\(reason)")
        } else {
            Issue.record("expected Forbidden, got \(String(describing: refusal))")
        }
        #expect(try store.ledger.pools().first?.ips == ["10.1.0.1-10.1.0.10"], "the stored pool is unchanged")
        // Growing, or removing free addresses, is fine.
        shrunk.ips = ["10.1.0.1-10.1.0.5"]
        #expect(try store.apply(shrunk) == ["spiderippool/mgmt configured"])
        // ipVersion and subnet are immutable.
        var moved = shrunk
        moved.subnet = "10.1.0.0/25"
        moved.ips = ["10.1.0.1-10.1.0.5"]
        if case .forbidden(_, _, "spec.subnet", let reason)? = S.manifestError({ try store.apply(moved) }) {
            #expect(reason == "is not changeable")
        } else {
            Issue.record("changing the subnet must be Forbidden")
        }
    }

    @Test("delete: refused while allocated unless forced; missing pools are reported")
    func deletePools() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("busy", "10.11.0.0/24", ["10.11.0.1-10.11.0.9"]),
                        PoolTestSupport.pool("idle", "10.12.0.0/24", ["10.12.0.1-10.12.0.9"]))
        let request = try S.request("holder", pod: "default/holder", uid: "uh", v4: ["busy"])
        _ = try store.service.allocate(request)

        #expect(S.ipamError { try store.service.deletePool(named: "busy") } == .poolInUse("busy", allocated: 1))
        #expect(try store.ledger.pools().map(\.name) == ["busy", "idle"])
        #expect(try store.ledger.records(pool: "busy").count == 1)

        try store.service.deletePool(named: "idle")
        try store.service.deletePool(named: "busy", force: true)
        #expect(try store.ledger.pools().isEmpty)
        #expect(try store.ledger.allRecords().isEmpty)
        #expect(try store.service.held(by: request.attachment).isEmpty)
        #expect(S.ipamError { try store.service.deletePool(named: "busy") } == .poolNotFound("busy"))
    }

    @Test("apply stores nothing when one document of several is refused")
    func applyIsAllOrNothing() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let yaml = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: good
            spec:
              subnet: 10.13.0.0/24
              ips: [10.13.0.10-10.13.0.20]
            ---
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderReservedIP
            metadata:
              name: keep
            spec:
              ips: [10.13.0.15]
            ---
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: bad
            spec:
              subnet: 10.14.0.0/24
              ips: [10.14.0.1-10.14.0.20]
              gateway: 10.14.0.1
            """
        let error = S.manifestError { try store.apply(yaml: yaml) }
        if case .invalid(_, "bad", _, let reason)? = error {
            #expect(reason.contains("conflicts with 'spec.gateway' 10.14.0.1"), "\(reason)")
        } else {
            Issue.record("expected the gateway rule to refuse 'bad', got \(String(describing: error))")
        }
        #expect(try store.ledger.pools().isEmpty)
        #expect(try store.ledger.reservedIPs().isEmpty)

        // Two new pools of one subnet whose addresses overlap: the second is refused.
        let overlap = S.manifestError {
            try store.apply(PoolTestSupport.pool("left", "10.15.0.0/24", ["10.15.0.1-10.15.0.10"]),
                            PoolTestSupport.pool("right", "10.15.0.0/24", ["10.15.0.10-10.15.0.20"]))
        }
        if case .forbidden(_, "right", _, let reason)? = overlap {
            #expect(reason.contains("overlap with IPPool left"), "\(reason)")
        } else {
            Issue.record("expected overlap Forbidden, got \(String(describing: overlap))")
        }
        #expect(try store.ledger.pools().isEmpty)
    }

    @Test("reversed ranges are refused, not swapped")
    func reversedRange() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let error = S.manifestError { try store.apply(PoolTestSupport.pool("rev", "10.16.0.0/24", ["10.16.0.10-10.16.0.1"])) }
        if case .invalid(_, "rev", let field, let reason)? = error {
            #expect(field.hasPrefix("spec.ips") && reason.contains("10.16.0.10-10.16.0.1"), "\(field): \(reason)")
        } else {
            Issue.record("expected Invalid, got \(String(describing: error))")
        }
        #expect(try store.ledger.pools().isEmpty)
    }

    @Test("SpiderReservedIP: ipVersion from the first entry, entries merged, bad entries refused")
    func reservedIPWebhook() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.reserve("keep", ["10.5.0.5", "10.5.0.3-10.5.0.4"])
        let stored = try store.ledger.reservedIPs()
        #expect(stored.map(\.ipVersion) == [4])
        #expect(stored.first?.ips == ["10.5.0.3-10.5.0.5"])

        let underivable = S.manifestError { try store.reserve("bad", ["not-an-ip"]) }
        if case .invalid(_, "bad", "spec.ipVersion", let reason)? = underivable {
            #expect(reason.contains("is not generated correctly"))
        } else {
            Issue.record("got \(String(describing: underivable))")
        }
        let mixed = S.manifestError { try store.service.apply([.reservedIP(SpiderReservedIP(name: "mixed", ips: ["10.5.0.1", "fd00::1"], ipVersion: 4))]) }
        if case .invalid(_, "mixed", let field, _)? = mixed { #expect(field == "spec.ips[1]") } else {
            Issue.record("got \(String(describing: mixed))")
        }
        #expect(try store.ledger.reservedIPs().map(\.name) == ["keep"])
    }

    // MARK: - Manifests

    static let quickStart = """
        apiVersion: spiderpool.spidernet.io/v2beta1
        kind: SpiderIPPool
        metadata:
          name: 10-6-v4
        spec:
          disable: false
          gateway: 10.6.0.1
          ips:
          - 10.6.212.200-10.6.212.240
          subnet: 10.6.0.0/16
        """

    @Test("the quick-start pool loads unchanged and applies")
    func quickStartPool() throws {
        let documents = try ManifestDocument.parse(Self.quickStart)
        guard documents.count == 1, case .ipPool(let pool) = documents[0] else {
            Issue.record("expected one SpiderIPPool, got \(documents)")
            return
        }
        #expect(pool.name == "10-6-v4")
        #expect(pool.subnet == "10.6.0.0/16")
        #expect(pool.gateway == "10.6.0.1")
        #expect(pool.ips == ["10.6.212.200-10.6.212.240"])
        #expect(pool.disable == false && pool.isDefault == false && pool.ipVersion == nil)
        #expect(pool.manifest == (try ManifestValue.documents(yaml: Self.quickStart)).first, "written back unchanged")

        let store = try PoolScratchStore()
        defer { store.remove() }
        #expect(try store.apply(yaml: Self.quickStart) == ["spiderippool/10-6-v4 created"])
        #expect(try store.apply(yaml: Self.quickStart) == ["spiderippool/10-6-v4 unchanged"])
        let stored = try store.ledger.pools()
        #expect(stored.map(\.name) == ["10-6-v4"])
        #expect(stored.first?.ips == pool.ips && stored.first?.gateway == pool.gateway && stored.first?.subnet == pool.subnet)
        #expect(stored.first?.ipVersion == 4)
        #expect(stored.first?.labels[SpiderIPPool.cidrLabel] == "10-6-0-0-16")
        let result = try store.service.allocate(try S.request("c1", pod: "default/demo", uid: "ud", v4: ["10-6-v4"]))
        #expect(result.addresses.map(\.address.description) == ["10.6.212.200/16"])
    }

    @Test("unknown fields survive apply → get")
    func unknownFieldsSurvive() throws {
        let yaml = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: keep-fields
              annotations:
                example.com/owner: team-a
            spec:
              subnet: 10.17.0.0/24
              ips: [10.17.0.1-10.17.0.9]
              vlan: 0
              futureField:
                nested: [1, two, {deep: true}]
            extraTopLevel: "yes"
            """
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(yaml: yaml)
        let original = try #require(try ManifestValue.documents(yaml: yaml).first)
        let stored = try #require(try store.ledger.pools().first).manifest
        #expect(stored["metadata"]?["annotations"] == original["metadata"]?["annotations"])
        #expect(stored["spec"]?["vlan"] == .int(0))
        #expect(stored["spec"]?["futureField"] == original["spec"]?["futureField"])
        #expect(stored["extraTopLevel"] == .string("yes"))
        // And they survive an update of a known field.
        var pool = try #require(try store.ledger.pools().first)
        pool.ips = ["10.17.0.1-10.17.0.20"]
        try store.apply(pool)
        let updated = try #require(try store.ledger.pools().first).manifest
        #expect(updated["spec"]?["futureField"] == original["spec"]?["futureField"])
        #expect(updated["spec"]?["ips"] == .array([.string("10.17.0.1-10.17.0.20")]))
    }

    static let header = "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"

    /// Malformed manifests and the field each error must name.
    static let malformed: [(name: String, yaml: String, field: String)] = [
        ("bad YAML", header + "metadata: {name: x\nspec: [", ""),
        ("spec not a mapping", header + "metadata: {name: x}\nspec: nope\n", "spec"),
        ("ips not a list", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, ips: 10.0.0.1}\n", "spec.ips"),
        ("ips entry not a string", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, ips: [[1]]}\n", "spec.ips[0]"),
        ("disable not a boolean", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, disable: 3}\n", "spec.disable"),
        ("ipVersion not an integer", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, ipVersion: four}\n", "spec.ipVersion"),
        ("subnet not a string", header + "metadata: {name: x}\nspec: {subnet: [10.0.0.0/24]}\n", "spec.subnet"),
        ("missing subnet", header + "metadata: {name: x}\nspec: {ips: [10.0.0.1]}\n", "spec.subnet"),
        ("missing spec", header + "metadata: {name: x}\n", "spec.subnet"),
        ("missing name", header + "metadata: {}\nspec: {subnet: 10.0.0.0/24}\n", "metadata.name"),
        ("bad name", header + "metadata: {name: Bad_Name}\nspec: {subnet: 10.0.0.0/24}\n", "metadata.name"),
        ("labels not strings", header + "metadata: {name: x, labels: {a: [1]}}\nspec: {subnet: 10.0.0.0/24}\n", "metadata.labels.a"),
        ("route without gw", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, routes: [{dst: 10.1.0.0/16}]}\n", "spec.routes[0].gw"),
        ("bad selector operator", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, podAffinity: {matchExpressions: [{key: a, operator: Maybe}]}}\n",
         "spec.podAffinity.matchExpressions[0].operator"),
        ("bad label value", header + "metadata: {name: x}\nspec: {subnet: 10.0.0.0/24, nodeAffinity: {matchLabels: {a: .dot}}}\n", "spec.nodeAffinity.matchLabels"),
        ("no kind", "apiVersion: v1\nmetadata: {name: x}\n", "kind"),
        ("a bare scalar", "hello\n", "SpiderIPPool"),
        ("wrong apiVersion", "apiVersion: spiderpool.spidernet.io/v1\nkind: SpiderIPPool\nmetadata: {name: x}\nspec: {subnet: 10.0.0.0/24}\n", "spiderpool.spidernet.io/v1"),
    ]

    @Test("malformed manifests give a ManifestError naming the field, never a crash", arguments: 0..<malformed.count)
    func malformedManifest(_ index: Int) throws {
        let (name, yaml, field) = Self.malformed[index]
        let error = S.manifestError { _ = try ManifestDocument.parse(yaml) }
        guard let error else {
            Issue.record("\(name): accepted")
            return
        }
        #expect(field.isEmpty || error.description.contains(field), "\(name): \(error)")
        if name == "bad YAML" {
            if case .malformed = error {} else { Issue.record("bad YAML: \(error)") }
        }
        // Through the store as well: the same error, nothing stored.
        let store = try PoolScratchStore()
        defer { store.remove() }
        #expect(S.manifestError { try store.apply(yaml: yaml) } == error)
        #expect(try store.ledger.pools().isEmpty)
    }

    @Test("label selectors in manifests: In/NotIn need values, Exists/DoesNotExist take none")
    func selectorOperators() throws {
        func yaml(_ expression: String) -> String {
            Self.header + "metadata: {name: sel}\nspec: {subnet: 10.0.0.0/24, nodeAffinity: {matchExpressions: [\(expression)]}}\n"
        }
        func load(_ expression: String) -> ManifestError? { S.manifestError { _ = try ManifestDocument.parse(yaml(expression)) } }
        #expect(load("{key: zone, operator: In, values: [z1, z3]}") == nil, "\(String(describing: load("{key: zone, operator: In, values: [z1, z3]}")))")
        #expect(load("{key: zone, operator: NotIn, values: [z2]}") == nil)
        #expect(load("{key: zone, operator: Exists}") == nil, "\(String(describing: load("{key: zone, operator: Exists}")))")
        #expect(load("{key: zone, operator: DoesNotExist}") == nil)
        #expect(load("{key: zone, operator: In}")?.description.contains("spec.nodeAffinity.matchExpressions[0].values") == true)
        #expect(load("{key: zone, operator: NotIn, values: []}") != nil)
        #expect(load("{key: zone, operator: Exists, values: [z1]}")?.description.contains("spec.nodeAffinity.matchExpressions[0].values") == true)
        #expect(load("{key: zone, operator: DoesNotExist, values: [z1]}") != nil)

        // A parsed `In` selector filters as it says.
        guard case .ipPool(var pool)? = try? ManifestDocument.parse(yaml("{key: zone, operator: In, values: [z1, z3]}")).first else {
            Issue.record("a nodeAffinity with operator In cannot be loaded")
            return
        }
        pool.ipVersion = 4
        var request = try Self.request()
        request.podPools = PoolChoice(ipv4: ["sel"])
        #expect(try PoolSelector(pools: [pool]).candidates(for: request).pools[.v4] == ["sel"])
        request.nodeLabels = ["zone": "z2"]
        #expect(S.ipamError { _ = try PoolSelector(pools: [pool]).candidates(for: request) }
                == .allPoolsFilteredOut(family: .v4, pools: ["sel"], interface: "eth0", reasons: ["unmatched Node affinity of IPPool sel"]))
    }

    // MARK: - Large pools

    @Test("a /64 and a /10 pool allocate without enumerating")
    func largePools() throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        try store.apply(PoolTestSupport.pool("big6", "fd00:64::/64", ["fd00:64::1-fd00:64::ffff:ffff:ffff:ffff"]),
                        PoolTestSupport.pool("big4", "10.64.0.0/10", ["10.64.0.1-10.127.255.254"]),
                        PoolTestSupport.pool("late6", "fd00:65::/64", ["fd00:65::1-fd00:65::ffff:ffff:ffff:ffff"],
                                             exclude: ["fd00:65::1-fd00:65::ffff:ffff:ffff:fff0"]))
        let space6 = try PoolAddressSpace(subnet: "fd00:64::/64", ips: ["fd00:64::1-fd00:64::ffff:ffff:ffff:ffff"])
        #expect(space6.totalCount.description == "18446744073709551615")
        let space4 = try PoolAddressSpace(subnet: "10.64.0.0/10", ips: ["10.64.0.1-10.127.255.254"])
        #expect(space4.totalCount.description == "4194302")

        let first = try store.service.allocate(try S.request("c1", pod: "default/a", uid: "ua", v4: ["big4"], v6: ["big6"]))
        #expect(first.addresses.map(\.address.description) == ["10.64.0.1/10", "fd00:64::1/64"])
        let second = try store.service.allocate(try S.request("c2", pod: "default/b", uid: "ub", v4: ["big4"], v6: ["big6"]))
        #expect(second.addresses.map(\.address.description) == ["10.64.0.2/10", "fd00:64::2/64"])
        let late = try store.service.allocate(try S.request("c3", pod: "default/c", uid: "uc", v6: ["late6"]))
        #expect(late.addresses.map(\.address.description) == ["fd00:65::ffff:ffff:ffff:fff1/64"])
        // Fixed addresses deep inside.
        var fixed = try S.request("c4", pod: "default/d", uid: "ud", v4: ["big4"], v6: ["big6"])
        fixed.fixedAddresses = [IPAddress("10.127.255.254")!, IPAddress("fd00:64::ffff:ffff:ffff:ffff")!]
        #expect(try store.service.allocate(fixed).addresses.map(\.address.description) == ["10.127.255.254/10", "fd00:64::ffff:ffff:ffff:ffff/64"])
    }
}
