/// One change to a network namespace, as the planner emits it and the executor performs it.
///
/// Every action can be printed as the `ip`, `sysctl` or `iptables` command that performs it
/// (``commandLine(otherNamespace:)``), which is how `spiderctl plan --output ip` shows a plan.
public enum PlanAction: Sendable, Hashable {
    /// Create a veth pair: one end here, the peer in the other namespace.
    case addVethPair(VethPair)
    /// Delete a link (for a veth, the kernel deletes its peer too).
    case deleteLink(name: String)
    /// Bring a link up.
    case setLinkUp(name: String)
    /// Set a link's MAC address.
    case setLinkMAC(name: String, mac: MACAddress)
    /// Set a link's MTU.
    case setLinkMTU(name: String, mtu: Int)
    /// Set a link's transmit queue length.
    case setLinkTxQueueLength(name: String, length: Int)
    /// Set a link's alias (`IFLA_IFALIAS`): the coordinator's ownership mark on the node end of
    /// a Pod's veth.
    case setLinkAlias(name: String, alias: String)
    /// Add an address to a link.
    case addAddress(InterfaceAddress)
    /// Add a route (fails if a route with the same ``RouteKey`` exists).
    case addRoute(Route)
    /// Delete a route.
    case deleteRoute(Route)
    /// Remove one path from a multipath route (the rest stays).
    case deleteNexthop(route: Route, nexthop: Nexthop)
    /// Add a policy rule; without a priority the kernel picks one.
    case addRule(RoutingRule)
    /// Delete a policy rule.
    case deleteRule(RoutingRule)
    /// Add a neighbour entry.
    case addNeighbour(Neighbour)
    /// Delete a neighbour entry.
    case deleteNeighbour(Neighbour)
    /// Write a sysctl (`net.ipv4.conf.all.rp_filter`).
    case setSysctl(key: String, value: String)
    /// Append an iptables/ip6tables rule.
    case appendFirewallRule(FirewallRule)

    /// A short name of the kind of action, stable for JSON (`route.add`).
    public var kind: String {
        switch self {
        case .addVethPair: "link.add-veth"
        case .deleteLink: "link.delete"
        case .setLinkUp: "link.up"
        case .setLinkMAC: "link.set-mac"
        case .setLinkMTU: "link.set-mtu"
        case .setLinkTxQueueLength: "link.set-txqueuelen"
        case .setLinkAlias: "link.set-alias"
        case .addAddress: "address.add"
        case .addRoute: "route.add"
        case .deleteRoute: "route.delete"
        case .deleteNexthop: "route.delete-nexthop"
        case .addRule: "rule.add"
        case .deleteRule: "rule.delete"
        case .addNeighbour: "neighbour.add"
        case .deleteNeighbour: "neighbour.delete"
        case .setSysctl: "sysctl.set"
        case .appendFirewallRule: "firewall.append"
        }
    }

    /// The family an address, route, rule or neighbour action is about.
    public var family: IPFamily? {
        switch self {
        case .addAddress(let a): a.family
        case .addRoute(let r), .deleteRoute(let r), .deleteNexthop(let r, _): r.family
        case .addRule(let r), .deleteRule(let r): r.family
        case .addNeighbour(let n), .deleteNeighbour(let n): n.family
        case .appendFirewallRule(let f): f.family
        default: nil
        }
    }

    /// The command that performs the action, as a list of words
    /// (`["ip", "route", "add", "10.6.212.132", "dev", "eth0", …]`). `otherNamespace` names the
    /// namespace a veth peer goes to.
    public func commandLine(otherNamespace: String = "1") -> [String] {
        let ip = family == .v6 ? ["ip", "-6"] : ["ip"]
        switch self {
        case .addVethPair(let pair):
            return ["ip", "link", "add", pair.name, "mtu", String(pair.mtu), "address", pair.mac.description,
                    "type", "veth", "peer", "name", pair.peerName, "mtu", String(pair.mtu),
                    "address", pair.peerMAC.description, "netns", otherNamespace]
        case .deleteLink(let name): return ["ip", "link", "delete", name]
        case .setLinkUp(let name): return ["ip", "link", "set", name, "up"]
        case .setLinkMAC(let name, let mac): return ["ip", "link", "set", name, "address", mac.description]
        case .setLinkMTU(let name, let mtu): return ["ip", "link", "set", name, "mtu", String(mtu)]
        case .setLinkTxQueueLength(let name, let length): return ["ip", "link", "set", name, "txqueuelen", String(length)]
        case .setLinkAlias(let name, let alias): return ["ip", "link", "set", name, "alias", alias]
        case .addAddress(let address): return ip + ["address", "add"] + address.command
        case .addRoute(let route): return ip + ["route", "add"] + route.command
        case .deleteRoute(let route): return ip + ["route", "delete"] + route.command
        case .deleteNexthop(let route, let nexthop):
            var single = route
            single.nexthops = []
            single.gateway = nexthop.gateway
            single.device = nexthop.device
            return ip + ["route", "delete"] + single.command
        case .addRule(let rule): return ip + ["rule", "add"] + rule.command
        case .deleteRule(let rule): return ip + ["rule", "delete"] + rule.command
        case .addNeighbour(let neighbour): return ip + ["neigh", "add"] + neighbour.command
        case .deleteNeighbour(let neighbour): return ip + ["neigh", "delete", neighbour.address.description, "dev", neighbour.device]
        case .setSysctl(let key, let value): return ["sysctl", "-w", "\(key)=\(value)"]
        case .appendFirewallRule(let rule): return rule.command
        }
    }
}
