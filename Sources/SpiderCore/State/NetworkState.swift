/// Everything the coordinator needs to know about one network namespace: links, addresses,
/// routes of every table, policy rules, permanent neighbours, sysctls, firewall marks, and (for
/// the node) the kernel's answers to "route get <pod IP>".
///
/// It is a plain value: SpiderNetlink fills it from a live namespace, tests and golden cases
/// build it from `ip` syntax, and ``NamespacePair/applying(_:)`` derives the state after a plan.
public struct NetworkState: Sendable, Hashable {
    /// The links, in kernel (index) order.
    public var links: [Link]
    /// The addresses, in kernel order (link order, then the order they were added). Addresses
    /// on `lo` and `fe80::` addresses are usually left out.
    public var addresses: [InterfaceAddress]
    /// The routes of every table and both families, in the order they were added. Listing a
    /// table (``routes(table:family:)``) sorts them as the kernel prints them.
    public var routes: [Route]
    /// The policy rules other than the kernel's defaults (0 local, 32766 main, 32767 default).
    public var rules: [RoutingRule]
    /// The neighbour entries (the coordinator deals in PERMANENT ones).
    public var neighbours: [Neighbour]
    /// Sysctl values by key (`net.ipv4.conf.all.rp_filter`), as strings.
    public var sysctls: [String: String]
    /// Firewall rules in `-S` form (the coordinator's mangle rules).
    public var firewallRules: [FirewallRule]
    /// The preferred source the kernel picks for each address (`ip route get ADDR` → `src`).
    public var routeGet: [IPAddress: IPAddress]

    public init(
        links: [Link] = [], addresses: [InterfaceAddress] = [], routes: [Route] = [], rules: [RoutingRule] = [],
        neighbours: [Neighbour] = [], sysctls: [String: String] = [:], firewallRules: [FirewallRule] = [],
        routeGet: [IPAddress: IPAddress] = [:]
    ) {
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.rules = rules
        self.neighbours = neighbours
        self.sysctls = sysctls
        self.firewallRules = firewallRules
        self.routeGet = routeGet
    }

    /// The link called `name`.
    public func link(named name: String) -> Link? { links.first { $0.name == name } }

    /// The link with ifindex `index`.
    public func link(index: Int) -> Link? { links.first { $0.index == index } }

    /// The addresses on `device`, of `family` if given, in kernel order.
    public func addresses(on device: String, family: IPFamily? = nil) -> [IPNetwork] {
        addresses.filter { $0.device == device && (family == nil || $0.family == family) }.map(\.address)
    }

    /// The routes of one table and family, in the order `ip route show table N` prints them.
    public func routes(table: RouteTable, family: IPFamily) -> [Route] {
        KernelRouteOrder.sorted(routes.filter { $0.table == table && $0.family == family })
    }

    /// The tables that hold at least one route of `family`, ascending.
    public func tables(family: IPFamily) -> [RouteTable] {
        Array(Set(routes.filter { $0.family == family }.map(\.table))).sorted { $0.rawValue < $1.rawValue }
    }

    /// The non-default rules of `family`, in the order `ip rule` prints them (by priority; rules
    /// of equal priority in the order they were added).
    public func rules(family: IPFamily) -> [RoutingRule] {
        rules.enumerated().filter { $0.element.family == family }
            .sorted { ($0.element.priority ?? 0, $0.offset) < ($1.element.priority ?? 0, $1.offset) }
            .map(\.element)
    }

    /// The priorities of the kernel's default rules of `family`.
    public static func defaultRulePriorities(_ family: IPFamily) -> [UInt32] {
        family == .v4 ? [0, 32766, 32767] : [0, 32766]
    }

    /// The priority the kernel gives a rule added without one: one less than the priority of
    /// the second rule in the list (counting the default rules), if that is not zero.
    public func defaultRulePriority(family: IPFamily) -> UInt32 {
        let all = (NetworkState.defaultRulePriorities(family) + rules(family: family).compactMap(\.priority)).sorted()
        guard all.count >= 2, all[1] > 0 else { return 0 }
        return all[1] - 1
    }

    /// The value of a sysctl, if known.
    public func sysctl(_ key: String) -> String? { sysctls[key] }
}
