/// Applies plan actions to ``NetworkState`` values with the kernel's semantics that matter here:
///
/// - adding what exists fails (`EEXIST`), deleting what is missing fails (`ENOENT`); routes
///   clash when table, destination and metric match (``sameSlot(_:_:)``), rules when selectors,
///   table and priority match;
/// - a rule added without priority gets the priority just below the second rule of the list;
/// - adding an address adds its prefix route (`proto kernel scope link src …`; IPv6
///   `proto kernel metric 256`), except for an IPv4 /32;
/// - IPv6 routes added without metric get metric 1024 and `pref medium`;
/// - deleting a link removes its addresses, its routes and paths, its neighbours, and for a veth
///   its peer (in whichever namespace it lives) with the same;
/// - removing one path of a multipath route leaves a single-path route when one path is left.
public enum PlanSimulator {
    typealias Reason = SimulationError.Reason

    static func apply(_ action: PlanAction, in role: NamespaceRole, to pair: inout NamespacePair) throws(Reason) {
        switch action {
        case .addVethPair(let veth):
            guard pair[role].link(named: veth.name) == nil else { throw .exists("link \(veth.name)") }
            guard pair[role.other].link(named: veth.peerName) == nil else { throw .exists("link \(veth.peerName) in the \(role.other) namespace") }
            let index = nextIndex(pair[role]), peerIndex = nextIndex(pair[role.other])
            pair[role].links.append(Link(name: veth.name, index: index, kind: .veth, mac: veth.mac, mtu: veth.mtu,
                                         flags: [.broadcast, .multicast], peerIndex: peerIndex))
            pair[role.other].links.append(Link(name: veth.peerName, index: peerIndex, kind: .veth, mac: veth.peerMAC,
                                               mtu: veth.mtu, flags: [.broadcast, .multicast], peerIndex: index))
        case .deleteLink(let name):
            guard let link = pair[role].link(named: name) else { throw .notFound("link \(name)") }
            removeLink(name, from: &pair[role])
            if let peer = link.peer { removeLink(peer, from: &pair[role]) }
            if let peerIndex = link.peerIndex, link.kind == .veth, let peer = pair[role.other].link(index: peerIndex),
               peer.peerIndex == link.index {
                removeLink(peer.name, from: &pair[role.other])
            }
        case .setLinkUp(let name):
            try updateLink(name, in: &pair[role]) { $0.flags.formUnion([.up, .lowerUp]) }
        case .setLinkMAC(let name, let mac):
            try updateLink(name, in: &pair[role]) { $0.mac = mac; $0.randomMAC = false }
        case .setLinkMTU(let name, let mtu):
            try updateLink(name, in: &pair[role]) { $0.mtu = mtu }
        case .setLinkTxQueueLength(let name, let length):
            try updateLink(name, in: &pair[role]) { $0.txqueuelen = length }
        case .setLinkAlias(let name, let alias):
            try updateLink(name, in: &pair[role]) { $0.alias = alias.isEmpty ? nil : alias }
        case .addAddress(let address):
            try addAddress(address, to: &pair[role])
        case .addRoute(let route):
            try addRoute(route, to: &pair[role])
        case .deleteRoute(let route):
            // The kernel removes the first match in table order: the lowest metric.
            let candidates = pair[role].routes.indices.filter { matches(pair[role].routes[$0], deleting: route) }
            guard let index = candidates.min(by: { pair[role].routes[$0].key.metric < pair[role].routes[$1].key.metric }) else {
                throw .notFound("route \(route)")
            }
            pair[role].routes.remove(at: index)
        case .deleteNexthop(let route, let nexthop):
            try deleteNexthop(nexthop, of: route, in: &pair[role])
        case .addRule(let rule):
            try addRule(rule, to: &pair[role])
        case .deleteRule(let rule):
            guard let index = pair[role].rules.firstIndex(where: { sameSelector($0, rule) && (rule.priority == nil || $0.priority == rule.priority) }) else {
                throw .notFound("rule \(rule)")
            }
            pair[role].rules.remove(at: index)
        case .addNeighbour(let neighbour):
            guard pair[role].link(named: neighbour.device) != nil else { throw .notFound("link \(neighbour.device)") }
            guard !pair[role].neighbours.contains(where: { $0.address == neighbour.address && $0.device == neighbour.device }) else {
                throw .exists("neighbour \(neighbour.address) dev \(neighbour.device)")
            }
            pair[role].neighbours.append(neighbour)
        case .deleteNeighbour(let neighbour):
            guard let index = pair[role].neighbours.firstIndex(where: { $0.address == neighbour.address && $0.device == neighbour.device }) else {
                throw .notFound("neighbour \(neighbour.address) dev \(neighbour.device)")
            }
            pair[role].neighbours.remove(at: index)
        case .setSysctl(let key, let value):
            pair[role].sysctls[key] = value
        case .appendFirewallRule(let rule):
            pair[role].firewallRules.append(rule)
        }
    }

    static func nextIndex(_ state: NetworkState) -> Int { (state.links.map(\.index).max() ?? 0) + 1 }

    static func updateLink(_ name: String, in state: inout NetworkState, _ change: (inout Link) -> Void) throws(Reason) {
        guard let index = state.links.firstIndex(where: { $0.name == name }) else { throw .notFound("link \(name)") }
        change(&state.links[index])
    }

    static func removeLink(_ name: String, from state: inout NetworkState) {
        state.links.removeAll { $0.name == name }
        state.addresses.removeAll { $0.device == name }
        state.neighbours.removeAll { $0.device == name }
        for key in state.sysctls.keys where key.hasPrefix("net.ipv4.conf.\(name).") || key.hasPrefix("net.ipv6.conf.\(name).") {
            state.sysctls[key] = nil
        }
        state.routes = state.routes.compactMap { route in
            if route.device == name { return nil }
            guard route.isMultipath, route.nexthops.contains(where: { $0.device == name }) else { return route }
            // IPv4 flushes a multipath route when one of its devices goes; IPv6 drops that path only.
            return route.family == .v4 ? nil : withoutNexthops(route) { $0.device == name }
        }
    }

    /// The route without the paths `remove` selects; `nil` when no path is left.
    static func withoutNexthops(_ route: Route, _ remove: (Nexthop) -> Bool) -> Route? {
        let kept = route.nexthops.filter { !remove($0) }
        var result = route
        switch kept.count {
        case 0: return nil
        case 1:
            result.nexthops = []
            result.gateway = kept[0].gateway
            result.device = kept[0].device
            result.onlink = kept[0].onlink
        default:
            result.nexthops = kept
        }
        return result
    }

    static func addAddress(_ address: InterfaceAddress, to state: inout NetworkState) throws(Reason) {
        guard state.link(named: address.device) != nil else { throw .notFound("link \(address.device)") }
        // IPv4 refuses the same address with the same prefix length; IPv6 the same address on the link.
        guard !state.addresses.contains(where: {
            $0.device == address.device && $0.address.address == address.address.address
                && (address.family == .v6 || $0.address.prefixLength == address.address.prefixLength)
        }) else {
            throw .exists("address \(address)")
        }
        state.addresses.append(address)
        let network = address.address
        // The kernel adds no prefix route for an IPv4 /32; IPv6 gets one for every length.
        guard network.family == .v6 || network.prefixLength < 32 else { return }
        let subnet = network.family == .v4
            ? Route(destination: network.network, device: address.device, protocol: .kernel, scope: .link, preferredSource: network.address)
            : Route(destination: network.network, device: address.device, protocol: .kernel, metric: 256, preference: "medium")
        if !state.routes.contains(where: { $0.key == subnet.key && $0.device == subnet.device }) {
            state.routes.append(subnet)
        }
    }

    /// The route as the kernel stores it: IPv6 routes get metric 1024 and `pref medium`.
    static func stored(_ route: Route) -> Route {
        guard route.family == .v6 else { return route }
        var result = route
        if result.metric == nil { result.metric = RouteKey.defaultMetric(.v6) }
        if result.preference == nil { result.preference = "medium" }
        return result
    }

    static func addRoute(_ route: Route, to state: inout NetworkState) throws(Reason) {
        for device in [route.device].compactMap({ $0 }) + route.nexthops.compactMap(\.device) where state.link(named: device) == nil {
            throw .notFound("link \(device)")
        }
        let route = stored(route)
        guard !state.routes.contains(where: { sameSlot($0, route) }) else { throw .exists("route \(route)") }
        state.routes.append(route)
    }

    /// Whether `existing` is the route a delete request for `request` removes: the same key,
    /// and the same device and gateway where the request names them.
    static func matches(_ existing: Route, deleting request: Route) -> Bool {
        existing.table == request.table && existing.family == request.family && existing.destination == request.destination
            && (request.metric == nil || existing.key.metric == request.metric)
            && (request.device == nil || existing.device == request.device)
            && (request.gateway == nil || existing.gateway == request.gateway)
    }

    /// Whether two routes take the same place in a table (the kernel's `EEXIST` on add): same
    /// table, family, destination and metric, whatever their type or next hop.
    public static func sameSlot(_ a: Route, _ b: Route) -> Bool {
        a.table == b.table && a.family == b.family && a.destination == b.destination && stored(a).key.metric == stored(b).key.metric
    }

    static func deleteNexthop(_ nexthop: Nexthop, of route: Route, in state: inout NetworkState) throws(Reason) {
        guard let index = state.routes.firstIndex(where: { candidate in
            matches(candidate, deleting: Route(destination: route.destination, table: route.table, metric: route.metric)) && candidate.nexthops.contains { $0.gateway == nexthop.gateway && $0.device == nexthop.device }
        }) else { throw .notFound("path \(nexthop) of route \(route)") }
        if let remaining = withoutNexthops(state.routes[index], { $0.gateway == nexthop.gateway && $0.device == nexthop.device }) {
            state.routes[index] = remaining
        } else {
            state.routes.remove(at: index)
        }
    }

    /// Whether two rules select the same packets into the same table (priority aside).
    public static func sameSelector(_ a: RoutingRule, _ b: RoutingRule) -> Bool {
        let maskA = a.fwmark == nil ? nil : (a.fwmask ?? UInt32.max)
        let maskB = b.fwmark == nil ? nil : (b.fwmask ?? UInt32.max)
        return a.family == b.family && a.source == b.source && a.destination == b.destination
            && a.inputInterface == b.inputInterface && a.outputInterface == b.outputInterface
            && a.fwmark == b.fwmark && maskA == maskB && a.table == b.table && a.invert == b.invert
    }

    static func addRule(_ rule: RoutingRule, to state: inout NetworkState) throws(Reason) {
        // The kernel picks the priority first, then refuses only an identical rule at that
        // priority: a rule re-added without priority lands again, one step lower.
        var added = rule
        if added.priority == nil { added.priority = state.defaultRulePriority(family: rule.family) }
        if state.rules.contains(where: { sameSelector($0, added) && $0.priority == added.priority }) {
            throw .exists("rule \(added)")
        }
        state.rules.append(added)
    }
}
