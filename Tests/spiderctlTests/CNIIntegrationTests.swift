import Foundation
import Testing

// The real reference plugins (Debian's containernetworking-plugins: macvlan, ptp, host-local) with
// our `spiderpool` IPAM and `coordinator`, in throwaway network namespaces: a "node" with a bridge
// `ens192` (the macvlan master, with a veth port so it has carrier) and Pods. The plugins run inside
// the node (`ip netns exec NODE env -i ... PLUGIN`), CNI_PATH holding our links and the reference
// plugins. Needs root; installs nothing.

enum CNIIntegrationRequirement {
    /// Root, iproute2 and the reference plugins; fails (never skips) saying what is missing.
    static func check() throws {
        guard getuid() == 0 else {
            throw CNIHarnessFailure("the CNI integration tests need root (network namespaces): run the test command as root")
        }
        for tool in ["ip", "nsenter"] where CNITools.find(tool) == nil {
            throw CNIHarnessFailure("\(tool) is missing: apt-get install -y iproute2 util-linux (scripts/test.sh installs them)")
        }
        for plugin in ["macvlan", "ptp", "host-local"] where !FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/" + plugin) {
            throw CNIHarnessFailure("/usr/lib/cni/\(plugin) is missing: apt-get install -y containernetworking-plugins (scripts/test.sh installs it)")
        }
    }
}

/// A throwaway network namespace with a random name.
final class CNINamespace {
    let name: String
    var path: String { "/var/run/netns/\(name)" }
    private var deleted = false

    init(_ prefix: String) throws {
        name = prefix + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try CNITools.run(["ip", "netns", "add", name])
        try CNITools.run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? CNITools.run(["ip", "netns", "delete", name])
    }

    deinit { delete() }

    /// `ip -n NAME WORDS...`
    @discardableResult
    func ip(_ words: String) throws -> String {
        try CNITools.run(["ip", "-n", name] + words.split(separator: " ").map(String.init))
    }
}

/// A node namespace with the bridge `ens192` (10.6.212.132/16, fd00:6::132/64), a plugin directory
/// with our plugins and the reference ones, and a store with pools `i4` (10.6.212.200-202) and `i6`
/// (fd00:6::200-202), gateways 10.6.0.1 and fd00:6::1.
final class CNILab {
    let workspace: CNIWorkspace
    let node: CNINamespace

    init(_ tag: String) throws {
        try CNIIntegrationRequirement.check()
        workspace = try CNIWorkspace(tag)
        for plugin in ["macvlan", "ptp", "host-local"] { try workspace.linkReference(plugin) }
        node = try CNINamespace("h6node")
        do {
            try node.ip("link add ens192 type bridge forward_delay 0")
            try node.ip("link add ens192p type veth peer name ens192q")
            try node.ip("link set ens192p master ens192")
            for link in ["ens192", "ens192p", "ens192q"] { try node.ip("link set \(link) up") }
            try node.ip("address add 10.6.212.132/16 dev ens192")
            try node.ip("-6 address add fd00:6::132/64 dev ens192 nodad")
            try workspace.applyPool("i4", subnet: "10.6.0.0/16", ips: ["10.6.212.200-10.6.212.202"], gateway: "10.6.0.1")
            try workspace.applyPool("i6", subnet: "fd00:6::/64", ips: ["fd00:6::200-fd00:6::202"], gateway: "fd00:6::1")
        } catch {
            node.delete()
            throw error
        }
    }

    func delete() { node.delete() }

    var store: String { workspace.store }

    /// Runs `plugin` inside the node for `netns` (a Pod namespace path) the way a runtime does.
    func cni(_ command: String, _ plugin: String, netns: String, ifname: String, containerID: String, config: String) throws -> CNIOutcome {
        let environment = CNIWorkspace.environment(command, containerID: containerID, ifname: ifname, netns: netns,
                                                   args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=\(containerID)",
                                                   path: workspace.bin)
        let executable = plugin.hasPrefix("/") ? plugin : workspace.bin + "/" + plugin
        return try workspace.execute(executable, environment, stdin: config, namespace: node.name)
    }

    func macvlanConfig(ipv4: [String] = ["i4"], ipv6: [String] = [], version: String = "1.0.0", prevResult: [String: Any]? = nil) -> String {
        var ipam: [String: Any] = ["type": "spiderpool", "store": store]
        if !ipv4.isEmpty { ipam["default_ipv4_ippool"] = ipv4 }
        if !ipv6.isEmpty { ipam["default_ipv6_ippool"] = ipv6 }
        var config: [String: Any] = ["cniVersion": version, "name": "macvlan-ens192", "type": "macvlan", "master": "ens192", "mode": "bridge",
                                     "ipam": ipam]
        config["prevResult"] = prevResult
        return cniJSON(config)
    }

    func ptpConfig() -> String {
        cniJSON(["cniVersion": "1.0.0", "name": "calico-standin", "type": "ptp", "ipMasq": false,
                 "ipam": ["type": "host-local", "ranges": [[["subnet": "10.233.64.0/18"]]], "routes": [["dst": "0.0.0.0/0"]],
                          "dataDir": workspace.root + "/host-local"]])
    }

    func coordinatorConfig(prevResult: [String: Any]) -> String {
        cniJSON(["cniVersion": "1.0.0", "name": "macvlan-ens192", "type": "coordinator", "mode": "overlay",
                 "overlayPodCIDR": ["10.233.64.0/18"], "serviceCIDR": ["10.233.0.0/18"], "tunePodRoutes": true,
                 "hostRuleTable": 500, "podRPFilter": 0, "prevResult": prevResult])
    }

    /// The addresses (CIDR) on a link of a namespace, one family or both.
    static func addresses(_ namespace: CNINamespace, _ link: String, family: String? = nil) throws -> [String] {
        let output = try namespace.ip((family.map { "-\($0) " } ?? "") + "-o address show dev \(link)")
        return output.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let index = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), index + 1 < words.count else { return nil }
            return String(words[index + 1])
        }
    }

    static func hasLink(_ namespace: CNINamespace, _ link: String) -> Bool {
        (try? namespace.ip("link show dev \(link)")) != nil
    }

    /// What a coordinator ADD may change, for "a second ADD changes nothing".
    static func snapshot(pod: CNINamespace, node: CNINamespace) throws -> String {
        var parts: [String] = []
        for (label, namespace) in [("pod", pod), ("node", node)] {
            for words in ["-4 rule show", "-6 rule show", "-4 route show table all", "-4 neighbour show nud permanent",
                          "-6 neighbour show nud permanent", "-4 -o address show", "-o link show"] {
                parts.append("== \(label): ip \(words)\n" + (try namespace.ip(words)))
            }
        }
        parts.append("== pod rp_filter\n" + (try CNITools.run(["ip", "netns", "exec", pod.name, "sysctl", "-n", "net.ipv4.conf.all.rp_filter"])))
        return parts.joined(separator: "\n")
    }

    /// Waits (up to `seconds`) until `ip -n node route show table TABLE` is empty; returns what is left.
    func nodeTable(_ table: Int, emptyWithin seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            // `ip -6 route show table N` fails when the table does not exist: nothing there.
            let routes = try node.ip("-4 route show table \(table)") + ((try? node.ip("-6 route show table \(table)")) ?? "")
            if routes.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || Date() > deadline { return routes }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}

@Suite("CNI integration: the real macvlan and ptp plugins with our IPAM and coordinator (root)", .serialized)
struct CNIIntegrationTests {
    /// An error printed by a reference plugin (Go's skel: indented JSON, maybe without cniVersion).
    static func expectPluginError(_ outcome: CNIOutcome, code: Int, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status != 0, "\(context): \(outcome)", sourceLocation: sourceLocation)
        #expect(outcome.object?["code"] as? Int == code, "\(context): expected code \(code): \(outcome)", sourceLocation: sourceLocation)
    }

    @Test("macvlan with spiderpool IPAM, IPv4: the address lands on net1, a repeated ADD gives the same address, CHECK, DEL twice")
    func macvlanIPv4() throws {
        let lab = try CNILab("mv4")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let config = lab.macvlanConfig()

        let added = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: config)
        #expect(added.status == 0, "\(added)")
        let result = try #require(added.object, "\(added)")
        #expect(result["cniVersion"] as? String == "1.0.0")
        let interfaces = (result["interfaces"] as? [[String: Any]]) ?? []
        let ips = (result["ips"] as? [[String: Any]]) ?? []
        #expect(interfaces.first?["name"] as? String == "net1", "\(added)")
        #expect(ips.count == 1 && ips.first?["address"] as? String == "10.6.212.200/16", "\(added)")
        #expect(ips.first?["gateway"] as? String == "10.6.0.1", "\(added)")
        #expect(ips.first?["interface"] as? Int == 0, "macvlan points the address at net1: \(added)")
        #expect(try CNILab.addresses(pod, "net1", family: "4") == ["10.6.212.200/16"])
        #expect(try lab.workspace.holdings()["mv4pod/net1"]?.ipv4 == "10.6.212.200/16")

        // The runtime retries ADD through IPAM: the same address.
        let again = try lab.cni("ADD", "spiderpool", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: config)
        #expect(again.status == 0 && again.addresses == ["10.6.212.200/16"], "\(again)")
        #expect(try lab.workspace.holdings().count == 1)

        let checkConfig = lab.macvlanConfig(prevResult: result)
        expectQuietSuccess(try lab.cni("CHECK", "spiderpool", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: checkConfig), "IPAM CHECK")
        expectQuietSuccess(try lab.cni("CHECK", "macvlan", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: checkConfig), "macvlan CHECK")

        for round in 1...2 {
            expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: config), "macvlan DEL \(round)")
        }
        #expect(!CNILab.hasLink(pod, "net1"), "net1 is gone after DEL")
        #expect(try lab.workspace.holdings().isEmpty)
        expectCNIError(try lab.cni("CHECK", "spiderpool", netns: pod.path, ifname: "net1", containerID: "mv4pod", config: checkConfig),
                       code: 105, "IPAM CHECK after DEL")
    }

    @Test("macvlan with spiderpool IPAM, dual stack: both addresses on net1 and in the store")
    func macvlanDualStack() throws {
        let lab = try CNILab("mv46")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let config = lab.macvlanConfig(ipv4: ["i4"], ipv6: ["i6"])

        let added = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "net1", containerID: "dualpod", config: config)
        #expect(added.status == 0, "\(added)")
        #expect(Set(added.addresses) == ["10.6.212.200/16", "fd00:6::200/64"], "\(added)")
        let routes = ((added.object?["routes"] as? [[String: Any]]) ?? []).map { "\($0["dst"] ?? "") via \($0["gw"] ?? "")" }
        #expect(Set(routes).isSuperset(of: ["0.0.0.0/0 via 10.6.0.1", "::/0 via fd00:6::1"]), "\(added)")
        let onLink = Set(try CNILab.addresses(pod, "net1"))
        #expect(onLink.isSuperset(of: ["10.6.212.200/16", "fd00:6::200/64"]), "net1 has \(onLink.sorted())")
        let held = try lab.workspace.holdings()
        #expect(held["dualpod/net1"]?.ipv4 == "10.6.212.200/16" && held["dualpod/net1"]?.ipv6 == "fd00:6::200/64", "\(held)")

        let again = try lab.cni("ADD", "spiderpool", netns: pod.path, ifname: "net1", containerID: "dualpod", config: config)
        #expect(Set(again.addresses) == ["10.6.212.200/16", "fd00:6::200/64"], "a repeated ADD: \(again)")

        for round in 1...2 {
            expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "net1", containerID: "dualpod", config: config), "DEL \(round)")
        }
        #expect(try lab.workspace.holdings().isEmpty)
        #expect(!CNILab.hasLink(pod, "net1"))
    }

    @Test("a failed ADD (exhausted pool) through macvlan holds no address")
    func failedAdd() throws {
        let lab = try CNILab("mvfail")
        defer { lab.delete() }
        try lab.workspace.applyPool("one6", subnet: "fd00:6::/64", ips: ["fd00:6::300"], gateway: "fd00:6::1")
        try lab.workspace.applyPool("one4", subnet: "10.6.0.0/16", ips: ["10.6.212.230"], gateway: "10.6.0.1")
        let holderPod = try CNINamespace("h6pod")
        defer { holderPod.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }

        // The only IPv6 address goes to the holder.
        let holder = lab.macvlanConfig(ipv4: [], ipv6: ["one6"])
        let held = try lab.cni("ADD", "macvlan", netns: holderPod.path, ifname: "net1", containerID: "holder", config: holder)
        #expect(held.addresses == ["fd00:6::300/64"], "\(held)")

        // Dual stack: IPv4 is free, IPv6 is exhausted: all or nothing. (macvlan prints the IPAM
        // error itself, indented and without cniVersion; the code is ours.)
        let dual = lab.macvlanConfig(ipv4: ["i4"], ipv6: ["one6"])
        let failed = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "net1", containerID: "victim", config: dual)
        CNIIntegrationTests.expectPluginError(failed, code: 101, "dual stack ADD with IPv6 exhausted")
        var holdings = try lab.workspace.holdings()
        #expect(Set(holdings.keys) == ["holder/net1"], "the failed ADD must hold nothing: \(holdings)")
        expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "net1", containerID: "victim", config: dual),
                           "DEL after the failed ADD")
        #expect(Set(try lab.workspace.holdings().keys) == ["holder/net1"])

        // IPv4 only, exhausted (a fresh Pod: macvlan 1.1.1 leaves its link behind when IPAM fails).
        #expect(try lab.cni("ADD", "macvlan", netns: holderPod.path, ifname: "net2", containerID: "holder",
                            config: lab.macvlanConfig(ipv4: ["one4"])).status == 0)
        let pod2 = try CNINamespace("h6pod")
        defer { pod2.delete() }
        let failed4 = try lab.cni("ADD", "macvlan", netns: pod2.path, ifname: "net1", containerID: "victim2", config: lab.macvlanConfig(ipv4: ["one4"]))
        CNIIntegrationTests.expectPluginError(failed4, code: 101, "IPv4 ADD from a full pool")
        holdings = try lab.workspace.holdings()
        #expect(Set(holdings.keys) == ["holder/net1", "holder/net2"], "\(holdings)")

        expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: holderPod.path, ifname: "net1", containerID: "holder", config: holder), "holder DEL")
        expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: holderPod.path, ifname: "net2", containerID: "holder",
                                       config: lab.macvlanConfig(ipv4: ["one4"])), "holder DEL net2")
        #expect(try lab.workspace.holdings().isEmpty)
    }

    /// ptp eth0, macvlan net1, coordinator (overlay) on net1, as in the quick start.
    struct Attached {
        let eth0: String
        let net1: String
        let coordinatorConfig: String
        let macvlanConfig: String
    }

    static func attach(_ lab: CNILab, _ pod: CNINamespace, _ id: String) throws -> Attached {
        let eth0 = try lab.cni("ADD", "ptp", netns: pod.path, ifname: "eth0", containerID: id, config: lab.ptpConfig())
        try #require(eth0.status == 0, "ptp ADD: \(eth0)")
        let macvlanConfig = lab.macvlanConfig()
        let net1 = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "net1", containerID: id, config: macvlanConfig)
        try #require(net1.status == 0, "macvlan ADD: \(net1)")
        let prevResult = try #require(net1.object)
        let coordinatorConfig = lab.coordinatorConfig(prevResult: prevResult)
        let coordinated = try lab.cni("ADD", "coordinator", netns: pod.path, ifname: "net1", containerID: id, config: coordinatorConfig)
        try #require(coordinated.status == 0, "coordinator ADD: \(coordinated)")
        // The chained plugin prints the previous result.
        let printed = try #require(coordinated.object, "coordinator ADD must print a result: \(coordinated)")
        #expect(printed["cniVersion"] as? String == "1.0.0")
        #expect(coordinated.addresses == net1.addresses, "the coordinator echoes prevResult: \(coordinated)")
        #expect(((printed["interfaces"] as? [[String: Any]]) ?? []).map { $0["name"] as? String } == ["net1"], "\(coordinated)")
        let eth0Address = try #require(try CNILab.addresses(pod, "eth0", family: "4").first).split(separator: "/")[0]
        let net1Address = try #require(try CNILab.addresses(pod, "net1", family: "4").first).split(separator: "/")[0]
        return Attached(eth0: String(eth0Address), net1: String(net1Address), coordinatorConfig: coordinatorConfig, macvlanConfig: macvlanConfig)
    }

    @Test("coordinator chained after macvlan (ptp eth0): rules, a second ADD changes nothing, DEL twice, nothing left")
    func coordinatorChain() throws {
        let lab = try CNILab("coord")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let attached = try CNIIntegrationTests.attach(lab, pod, "coordpod")
        #expect(attached.net1 == "10.6.212.200")

        let rules = try pod.ip("rule show")
        #expect(rules.contains("from \(attached.eth0) lookup 100"), "pod rules:\n\(rules)")
        #expect(rules.contains("from \(attached.net1) lookup 101"), "pod rules:\n\(rules)")
        let table101 = try pod.ip("route show table 101")
        #expect(table101.contains("default via 10.6.0.1 dev net1"), "table 101:\n\(table101)")

        let before = try CNILab.snapshot(pod: pod, node: lab.node)
        let second = try lab.cni("ADD", "coordinator", netns: pod.path, ifname: "net1", containerID: "coordpod", config: attached.coordinatorConfig)
        #expect(second.status == 0, "second coordinator ADD: \(second)")
        let after = try CNILab.snapshot(pod: pod, node: lab.node)
        #expect(before == after, "a second coordinator ADD changed the namespaces:\nbefore:\n\(before)\nafter:\n\(after)")
        expectQuietSuccess(try lab.cni("CHECK", "coordinator", netns: pod.path, ifname: "net1", containerID: "coordpod",
                                       config: attached.coordinatorConfig), "coordinator CHECK")

        for round in 1...2 {
            expectQuietSuccess(try lab.cni("DEL", "coordinator", netns: pod.path, ifname: "net1", containerID: "coordpod",
                                           config: attached.coordinatorConfig), "coordinator DEL \(round)")
            expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "net1", containerID: "coordpod",
                                           config: attached.macvlanConfig), "macvlan DEL \(round)")
        }
        expectQuietSuccess(try lab.cni("DEL", "ptp", netns: pod.path, ifname: "eth0", containerID: "coordpod", config: lab.ptpConfig()), "ptp DEL")
        #expect(try lab.workspace.holdings().isEmpty, "the store holds nothing")
        let left = try lab.nodeTable(500, emptyWithin: 5)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the node's table 500 still has:\n\(left)")
    }

    @Test("coordinator DEL with the Pod's netns already deleted succeeds; nothing left in the store or table 500")
    func coordinatorDelNetnsGone() throws {
        let lab = try CNILab("gone")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let attached = try CNIIntegrationTests.attach(lab, pod, "gonepod")
        let table500 = try lab.node.ip("-4 route show table 500")
        #expect(table500.contains(attached.net1), "the node routes the Pod's net1 address through table 500:\n\(table500)")

        let path = pod.path
        pod.delete()
        #expect(!FileManager.default.fileExists(atPath: path))
        for round in 1...2 {
            expectQuietSuccess(try lab.cni("DEL", "coordinator", netns: path, ifname: "net1", containerID: "gonepod", config: attached.coordinatorConfig),
                               "coordinator DEL \(round) with the netns gone")
            expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: path, ifname: "net1", containerID: "gonepod", config: attached.macvlanConfig),
                               "macvlan DEL \(round) with the netns gone")
        }
        expectQuietSuccess(try lab.cni("DEL", "ptp", netns: path, ifname: "eth0", containerID: "gonepod", config: lab.ptpConfig()), "ptp DEL")
        #expect(try lab.workspace.holdings().isEmpty, "the store holds nothing")
        let left = try lab.nodeTable(500, emptyWithin: 10)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the node's table 500 still has:\n\(left)")
    }
}
