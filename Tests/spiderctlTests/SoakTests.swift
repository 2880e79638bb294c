import Foundation
import Testing

/// The soak: many Pods in turn, each through the real macvlan plugin with our IPAM, then our
/// coordinator in underlay mode (a veth pair to the node, a node table-500 route, neighbours,
/// firewall marks), then DEL of both and the Pod's namespace. Afterwards nothing may be left:
/// no address in the store, no veth on the node, and the node's links, addresses, rules,
/// routes of every table and neighbours exactly as before the first Pod. Root.
/// `SPIDER_SOAK_CYCLES` sets the number of Pods (default 1,000).
@Suite("soak: 1,000 ADD/DEL cycles through macvlan + spiderpool + coordinator (root)", .serialized)
struct SoakTests {
    static var cycles: Int { Int(ProcessInfo.processInfo.environment["SPIDER_SOAK_CYCLES"] ?? "") ?? 1_000 }

    /// Everything of the node a Pod's ADD may touch, in `ip` text.
    static func nodeState(_ node: CNINamespace) throws -> String {
        var parts: [String] = []
        for words in ["-o link show", "-o address show", "-4 rule show", "-6 rule show", "-4 route show table all",
                      "-6 route show table all", "-4 neighbour show", "-6 neighbour show"] {
            // Addresses and neighbours that come and go with traffic (stale, reachable) are not state.
            let lines = try node.ip(words).split(separator: "\n").map(String.init)
                .filter { !$0.contains(" STALE") && !$0.contains(" REACHABLE") && !$0.contains(" DELAY") && !$0.contains(" PROBE") && !$0.contains(" FAILED") }
            parts.append("== ip \(words)\n" + lines.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n")
    }

    static func underlayConfig(prevResult: [String: Any]) -> String {
        cniJSON(["cniVersion": "1.0.0", "name": "macvlan-ens192", "type": "coordinator", "mode": "underlay",
                 "overlayPodCIDR": ["10.233.64.0/18"], "serviceCIDR": ["10.233.0.0/18"], "hostRuleTable": 500,
                 "podRPFilter": 0, "prevResult": prevResult])
    }

    @Test("every Pod's ADD works and its DEL leaves nothing behind")
    func soak() throws {
        let lab = try CNILab("soak")
        defer { lab.delete() }
        let macvlan = lab.macvlanConfig()
        // IPv6 duplicate address detection adds the link-local routes a moment after the links come up.
        for _ in 0..<50 where try lab.node.ip("-6 -o address show").contains("tentative") { Thread.sleep(forTimeInterval: 0.1) }
        let before = try Self.nodeState(lab.node)
        var failures: [String] = []
        for cycle in 0..<Self.cycles where failures.count < 5 {
            let id = "soak\(cycle)"
            let pod = try CNINamespace("h6soak")
            defer { pod.delete() }
            let added = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "eth0", containerID: id, config: macvlan)
            guard added.status == 0, let prevResult = added.object else { failures.append("cycle \(cycle) macvlan ADD: \(added)"); continue }
            let coordinator = Self.underlayConfig(prevResult: prevResult)
            let coordinated = try lab.cni("ADD", "coordinator", netns: pod.path, ifname: "eth0", containerID: id, config: coordinator)
            if coordinated.status != 0 { failures.append("cycle \(cycle) coordinator ADD: \(coordinated)") }
            if cycle == 0 {
                // The first Pod shows that the coordinator did its work: a host veth and table 500.
                let links = try lab.node.ip("-o link show type veth")
                #expect(links.contains("veth\(id.prefix(11))"), "no host veth after the coordinator's ADD:\n\(links)")
                #expect(try lab.node.ip("route show table 500").contains(added.addresses.first?.split(separator: "/").first.map(String.init) ?? "?"))
            }
            for (plugin, config) in [("coordinator", coordinator), ("macvlan", macvlan)] {
                let deleted = try lab.cni("DEL", plugin, netns: pod.path, ifname: "eth0", containerID: id, config: config)
                if deleted.status != 0 { failures.append("cycle \(cycle) \(plugin) DEL: \(deleted)") }
            }
            let left = try pod.ip("-o link show").split(separator: "\n").filter { !$0.contains(": lo:") }
            if !left.isEmpty { failures.append("cycle \(cycle): links left in the Pod: \(left)") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(try lab.workspace.holdings().isEmpty, "addresses left in the store")
        let veths = try lab.node.ip("-o link show type veth").split(separator: "\n").filter { !$0.contains("ens192") }
        #expect(veths.isEmpty, "host veths left on the node: \(veths)")
        // Routes of a deleted link may take a moment to go.
        var after = try Self.nodeState(lab.node)
        for _ in 0..<25 where after != before {
            Thread.sleep(forTimeInterval: 0.2)
            after = try Self.nodeState(lab.node)
        }
        #expect(after == before, "the node differs after \(Self.cycles) Pods:\nbefore:\n\(before)\nafter:\n\(after)")
    }
}
