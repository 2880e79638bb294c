import Foundation
import SpiderCore
import SpiderScenario
@testable import SpiderNetlink

/// Builds a scenario's before-state in two real namespaces (node and Pod) with `ip`.
///
/// Link indices and random MACs differ from the lab's; everything the coordinator reads
/// (names, kinds, peers, masters, MACs given in the scenario, addresses, routes, rules,
/// neighbours, sysctls, mangle rules) is reproduced.
final class LabTopology {
    let node: TestNamespace
    let pod: TestNamespace

    init(_ scenario: CoordinatorScenario) throws {
        node = try TestNamespace("spnode")
        pod = try TestNamespace("sppod")
        let before = scenario.before
        var created: Set<String> = []  // "node:name" / "pod:name"

        func namespace(_ role: NamespaceRole) -> TestNamespace { role == .pod ? pod : node }

        // Bridges (and masters named by Pod macvlans) first.
        for link in before.node.links where link.kind == .bridge {
            try node.ip("link add \(link.name) type bridge")
            created.insert("node:\(link.name)")
        }
        for link in before.pod.links where link.kind == .macvlan || link.kind == .ipvlan {
            if let master = link.master, !created.contains("node:\(master)") {
                try node.ip("link add \(master) type bridge")
                created.insert("node:\(master)")
            }
        }
        // veth pairs: inside one namespace (`peer`), or across (`peerIndex`).
        for role in NamespaceRole.allCases {
            let here = before[role], there = before[role.other]
            for link in here.links where link.kind == .veth && !created.contains("\(role):\(link.name)") {
                if let peer = link.peer {
                    try namespace(role).ip("link add \(link.name) type veth peer name \(peer)")
                    created.insert("\(role):\(link.name)")
                    created.insert("\(role):\(peer)")
                } else if let peerIndex = link.peerIndex, let partner = there.link(index: peerIndex) {
                    try namespace(role).ip("link add \(link.name) type veth peer name \(partner.name) netns \(namespace(role.other).name)")
                    created.insert("\(role):\(link.name)")
                    created.insert("\(role.other):\(partner.name)")
                } else {
                    throw RootRequirement.Missing(description: "scenario veth \(link.name) has no peer to build")
                }
            }
        }
        for link in before.pod.links where (link.kind == .macvlan || link.kind == .ipvlan) && !created.contains("pod:\(link.name)") {
            let master = link.master ?? "ens192"
            try node.ip("link add \(link.name) link \(master) type \(link.kind) \(link.kind == .macvlan ? "mode bridge" : "mode l2")")
            try node.ip("link set \(link.name) netns \(pod.name)")
            created.insert("pod:\(link.name)")
        }
        for role in NamespaceRole.allCases {
            for link in before[role].links where link.kind != .loopback {
                let ns = namespace(role)
                if let mac = link.mac { try ns.ip("link set \(link.name) address \(mac)") }
                if link.mtu > 0 && link.mtu != 1500 { try ns.ip("link set \(link.name) mtu \(link.mtu)") }
                if let txqueuelen = link.txqueuelen { try ns.ip("link set \(link.name) txqueuelen \(txqueuelen)") }
                if let master = link.master, link.kind == .veth { try ns.ip("link set \(link.name) master \(master)") }
            }
            for link in before[role].links where link.kind != .loopback && link.isUp {
                try namespace(role).ip("link set \(link.name) up")
            }
            for address in before[role].addresses {
                try namespace(role).ip("address add \(address.address) dev \(address.device)" + (address.family == .v6 ? " nodad" : ""))
            }
            // Routes the kernel makes for addresses are already there; gatewayless routes go first.
            let routes = before[role].routes.filter { $0.protocol != .kernel }
            for route in routes.filter({ $0.gateway == nil && $0.nexthops.isEmpty }) + routes.filter({ $0.gateway != nil || !$0.nexthops.isEmpty }) {
                let verb = route.family == .v4 ? "append" : "add"
                try sh(["ip", "-n", namespace(role).name] + (route.family == .v6 ? ["-6"] : []) + ["route", verb] + route.command)
            }
            for rule in before[role].rules {
                try sh(["ip", "-n", namespace(role).name] + (rule.family == .v6 ? ["-6"] : []) + ["rule", "add"] + rule.command)
            }
            for neighbour in before[role].neighbours {
                try sh(["ip", "-n", namespace(role).name, "neigh", "add"] + neighbour.command)
            }
            for (key, value) in before[role].sysctls {
                try sh(["ip", "netns", "exec", namespace(role).name, "sysctl", "-q", "-w", "\(key)=\(value)"])
            }
            for rule in before[role].firewallRules {
                try sh(["ip", "netns", "exec", namespace(role).name, rule.family == .v4 ? "iptables" : "ip6tables", "-t", rule.table]
                    + rule.specification.split(separator: " ").map(String.init))
            }
        }
    }

    var podNamespace: NetworkNamespace { NetworkNamespace(path: pod.path) }
    var nodeNamespace: NetworkNamespace { NetworkNamespace(path: node.path) }

    /// Observes both namespaces the way the coordinator plugin does.
    func observe(firewall: Bool) throws -> NamespacePair {
        let podState = try NetworkObserver.observe(podNamespace, firewall: firewall)
        let podAddresses = podState.addresses.filter { $0.device != "lo" }.map(\.address.address)
        let nodeState = try NetworkObserver.observe(nodeNamespace, routeGet: podAddresses)
        return NamespacePair(pod: podState, node: nodeState)
    }
}
