/// Decides every change the coordinator makes for one CNI call: a pure function of the observed
/// namespaces, the configuration and the invocation.
///
/// It produces the same tables as Spiderpool v1.2's coordinator, with its bugs fixed: ADD is
/// idempotent (planned against the current state, a second ADD plans nothing), every refusal
/// happens before the first change, `disabled` is understood, txqueuelen is set on the Pod's
/// NIC, the first NIC is `podDefaultCniNic` rather than a hard-coded `eth0`, and DEL needs
/// nothing but the state.
public struct CoordinatorPlanner: Sendable {
    public var config: CoordinatorConfig

    public init(config: CoordinatorConfig) { self.config = config }

    /// The plan for `invocation` against `state`.
    public func plan(_ state: NamespacePair, _ invocation: CoordinatorInvocation) throws(CoordinatorError) -> RoutePlan {
        guard config.mode != .disabled else {
            return RoutePlan(decisions: [PlanDecision(.mode, "disabled: the coordinator changes nothing in this Pod")])
        }
        switch invocation.command {
        case .add: return try planAdd(state, invocation)
        case .del: return planDel(state, invocation)
        case .check: return RoutePlan(decisions: [PlanDecision(.skipped, "CHECK: the coordinator checks nothing; like Spiderpool's, it answers success")])
        }
    }

    // MARK: - ADD

    /// Facts about the call derived from the state before any change.
    struct Situation {
        var underlay: Bool
        var firstInvoke: Bool
        var table: RouteTable
        var families: [IPFamily]
        /// Routable addresses of the NIC (`cur`), IPv4 first.
        var current: [IPNetwork]
        var podVeth: String
        var hostVeth: String
        var sourceV4: IPAddress?
        var nodeAddresses: [IPAddress]
        /// Why the mode, the invocation and the table are what they are.
        var modeReason: String
        var invocationReason: String
        var tableReason: String
    }

    func planAdd(_ state: NamespacePair, _ invocation: CoordinatorInvocation) throws(CoordinatorError) -> RoutePlan {
        let situation = try situate(state, invocation)
        var builder = PlanBuilder(world: state)
        let nic = invocation.interface
        let s = situation
        builder.decide(.mode, "\(s.underlay ? "underlay" : "overlay"): \(s.modeReason)")
        builder.decide(.invocation, "\(s.firstInvoke ? "first NIC" : "a later NIC"): \(s.invocationReason)")
        builder.decide(.policyTable, "table \(s.table.rawValue): \(s.tableReason)")
        decideDetection(&builder, s, nic)
        if s.underlay && !s.firstInvoke {
            builder.decide(.skipped, "the veth to the node: \(nic) is not the first NIC, whose call set up veth0")
        } else if !s.underlay {
            builder.decide(.skipped, "the veth to the node and the marks for its replies: overlay, the Pod reaches the node and Services through \(s.podVeth)")
        }
        if !s.firstInvoke {
            builder.decide(.skipped, "the Pod's neighbours and main-table routes for the node's addresses: \(nic) is a later NIC, the first NIC's call made them")
        }
        if !config.tunePodRoutes {
            builder.decide(.skipped, "moving routes between NICs: tunePodRoutes is false")
        } else if s.underlay && s.firstInvoke {
            builder.decide(.skipped, "moving routes between NICs: \(nic) is the first NIC, nothing to share the default route with")
        }
        if config.hijackCIDR.isEmpty && config.serviceCIDR.isEmpty && config.overlayPodCIDR.isEmpty {
            builder.decide(.skipped, "routes to cluster CIDRs: no serviceCIDR, overlayPodCIDR or hijackCIDR is configured")
        }
        if config.policyRoutes.isEmpty {
            builder.decide(.skipped, "policy routes: none configured")
        }

        if state.pod.link(named: nic)?.isUp == false {
            try builder.emit(.pod, .setLinkUp(name: nic), "\(nic) must be up before its routes are set")
        } else {
            builder.inPlace.count(.link)
        }
        if s.underlay && s.firstInvoke { try setUpVeth(&builder, s, invocation) }
        try tuneLink(&builder, s, nic)
        try setUpNeighbours(&builder, s)
        try setUpNodeRoutes(&builder, s)
        try setUpHijackRoutes(&builder, s)
        if s.underlay && s.firstInvoke { try markRepliesViaVeth(&builder, s) }
        if config.tunePodRoutes && (!s.firstInvoke || !s.underlay) { try tunePodRoutes(&builder, s, nic) }
        try setUpPolicyRoutes(&builder, s, nic)
        return builder.finish()
    }

    /// Where IP conflict and gateway detection sit in the ADD (before every step) and the
    /// announcement (after them), and what each outcome does.
    func decideDetection(_ b: inout PlanBuilder, _ s: Situation, _ nic: String) {
        let detection = config.detection
        let timing = "\(detection.retries) probe\(detection.retries == 1 ? "" : "s") \(NeighborDetection.text(detection.interval)) apart, "
            + "answers awaited \(NeighborDetection.text(detection.timeout)) after the last (at most \(NeighborDetection.text(detection.bound)))"
        let addresses = s.current.map { $0.address.description }.joined(separator: ", ")
        if detection.detectIPConflict {
            b.decide(.detection, "before any step, detectIPConflict probes \(nic)'s \(addresses.isEmpty ? "addresses" : addresses) "
                + "(ARP probes from 0.0.0.0, IPv6 duplicate address detection), \(timing): an answer from another MAC fails the ADD "
                + "with code 110 naming the address and that MAC, and no step below is applied")
        }
        if detection.detectGateway {
            b.decide(.detection, "before any step, detectGateway resolves each gateway of \(nic) in prevResult (ARP, neighbour solicitation), "
                + "\(timing): a gateway that does not answer fails the ADD with code 111 naming it, and no step below is applied")
        }
        if !detection.isEnabled {
            b.decide(.skipped, "IP conflict and gateway detection: detectIPConflict and detectGateway are false")
        }
        if detection.isEnabled || config.podMACPrefix != nil {
            b.decide(.detection, "after the steps, \(nic)'s addresses are announced from its \(config.podMACPrefix == nil ? "" : "new ")MAC "
                + "(an ARP announcement per IPv4 address, an unsolicited neighbour advertisement per IPv6 address); a failed announcement is logged, not an error")
        } else {
            b.decide(.skipped, "announcing \(nic)'s addresses: no detection and no podMACPrefix, the interface plugin's own announcement stands")
        }
    }

    /// Resolves mode, first invocation, policy table, families, node addresses and veth names.
    func situate(_ state: NamespacePair, _ invocation: CoordinatorInvocation) throws(CoordinatorError) -> Situation {
        let pod = state.pod, node = state.node
        let nic = invocation.interface
        guard pod.link(named: nic) != nil else { throw .interfaceNotFound(nic) }
        let current = CoordinatorPlanner.routable(pod.addresses(on: nic))
        guard !current.isEmpty else { throw .noUsableAddresses(nic) }
        try CoordinatorPlanner.refuseCapturingNodeAddresses(current, node: node)
        try CoordinatorPlanner.refuseForeignHostRuleTable(config.hostRuleTable, node: node)
        let families = IPFamily.allCases.filter { family in current.contains { $0.family == family } }

        let first = config.podDefaultCniNic
        let vethExists = pod.link(named: "veth0") != nil
        // The NIC is brought up first (Spiderpool's step 6), so it counts as up.
        let upLinks = pod.links.filter { ($0.isUp || $0.name == nic) && $0.flags.contains([.broadcast, .multicast]) }.count
        var underlay: Bool
        let modeReason: String
        let why = nic == first ? "\(nic) is the first NIC (podDefaultCniNic)"
            : vethExists ? "the Pod has veth0, made when its first NIC was set up in underlay mode"
            : "\(nic) is not the first NIC (\(first)) and the Pod has no veth0"
        switch config.mode {
        case .auto:
            underlay = nic == first || vethExists
            modeReason = "mode auto, and " + why
        case .underlay:
            guard nic == first || vethExists else { throw .underlayWithoutVeth(interface: nic, firstInterface: first) }
            underlay = true
            modeReason = "mode underlay (" + why + ")"
        case .overlay:
            guard nic != first else { throw .overlayOnFirstInterface(interface: nic, firstInterface: first) }
            guard !vethExists else { throw .overlayAfterUnderlay(interface: nic) }
            underlay = false
            modeReason = "mode overlay (" + why + ")"
        case .disabled:
            underlay = false
            modeReason = "mode disabled"
        }
        let firstInvoke: Bool
        let table: UInt32
        let invocationReason: String, tableReason: String
        if underlay {
            firstInvoke = nic == first
            table = firstInvoke ? 101 : UInt32(max(upLinks + 98, 101))
            invocationReason = firstInvoke ? "underlay, and \(nic) is podDefaultCniNic" : "underlay, and \(nic) is not podDefaultCniNic (\(first))"
            tableReason = firstInvoke ? "the first NIC's replies use table 101"
                : "\(upLinks) NICs with broadcast are up (\(nic) counted), so table max(\(upLinks) + 98, 101), as Spiderpool numbers them"
        } else {
            firstInvoke = upLinks == 2
            table = firstInvoke ? 101 : UInt32(max(upLinks + 99, 101))
            invocationReason = "overlay, and \(upLinks) NICs with broadcast are up (\(nic) counted)\(firstInvoke ? ": the first NIC after \(first)" : "")"
            tableReason = firstInvoke ? "the first NIC after \(first) uses table 101"
                : "\(upLinks) NICs with broadcast are up, so table max(\(upLinks) + 99, 101), as Spiderpool numbers them"
        }

        let podVeth: String, hostVeth: String
        if underlay {
            podVeth = "veth0"
            hostVeth = try CoordinatorPlanner.underlayHostVeth(pod: pod, node: node, invocation: invocation)
        } else {
            guard let firstLink = pod.link(named: first) else { throw .firstInterfaceMissing(first) }
            guard let peer = (firstLink.peerIndex ?? firstLink.masterIndex).flatMap(node.link(index:)) else {
                throw .hostInterfaceNotFound("no node link has the index \(firstLink.peerIndex ?? firstLink.masterIndex ?? 0) that \(first) points to")
            }
            podVeth = first
            hostVeth = peer.name
        }
        let sourceV4 = pod.addresses(on: first, family: .v4).first?.address
        let nodeAddresses = try CoordinatorPlanner.nodeAddresses(pod: pod, node: node, families: families)
        return Situation(underlay: underlay, firstInvoke: firstInvoke, table: RouteTable(rawValue: table), families: families,
                         current: current, podVeth: podVeth, hostVeth: hostVeth, sourceV4: sourceV4, nodeAddresses: nodeAddresses,
                         modeReason: modeReason, invocationReason: invocationReason, tableReason: tableReason)
    }

    // MARK: Ownership and refusals

    /// The node end of the Pod's `veth0`, when the Pod has one: the node link whose index
    /// `veth0` points to (and that points back, when the state says so), unless it carries
    /// another attachment's mark. Indexes are per namespace and the Pod may rebuild its own
    /// `veth0`, so an index alone never makes another Pod's link ours; a link without a mark
    /// (made before marks existed, or just created) is taken.
    static func podVethPeer(pod: NetworkState, node: NetworkState, invocation: CoordinatorInvocation) -> Link? {
        guard let veth0 = pod.link(named: "veth0"), veth0.kind == .veth, let index = veth0.peerIndex,
              let peer = node.link(index: index), peer.kind == .veth, peer.peerIndex == nil || peer.peerIndex == veth0.index else { return nil }
        guard (peer.alias ?? "").isEmpty || invocation.marksThisContainer(peer.alias) else { return nil }
        return peer
    }

    /// The node end of the underlay veth for this call: the peer of the Pod's `veth0`; else
    /// the link this attachment marked (``CoordinatorInvocation/ownerMark``), left over from an
    /// earlier ADD; else Spiderpool's name `veth` + 11 characters of the container ID when no
    /// link has it, else ``CoordinatorInvocation/alternateHostVethName``. A link of another
    /// attachment (another mark, or no mark) is never taken.
    static func underlayHostVeth(pod: NetworkState, node: NetworkState, invocation: CoordinatorInvocation) throws(CoordinatorError) -> String {
        if let peer = podVethPeer(pod: pod, node: node, invocation: invocation) { return peer.name }
        if let marked = node.links.first(where: { $0.alias == invocation.ownerMark }) { return marked.name }
        let candidates = [invocation.hostVethName, invocation.alternateHostVethName]
        if let free = candidates.first(where: { node.link(named: $0) == nil }) { return free }
        throw .hostVethNamesTaken(candidates)
    }

    /// Whether a node route has the shape of the coordinator's node routes: a host route to a
    /// Pod address, without gateway, through a veth.
    static func isCoordinatorNodeRoute(_ route: Route, node: NetworkState) -> Bool {
        guard isHostRoute(route), let device = route.device else { return false }
        return node.link(named: device)?.kind == .veth
    }

    /// Whether a node neighbour entry has the shape of the coordinator's: `PERMANENT`, on a veth.
    static func isCoordinatorNeighbour(_ neighbour: Neighbour, node: NetworkState) -> Bool {
        neighbour.state == "PERMANENT" && node.link(named: neighbour.device)?.kind == .veth
    }

    /// Whether a route could be one of the coordinator's node routes, or a stale one it
    /// replaces: a gatewayless host route (it captures one address, never the node's traffic).
    static func isHostRoute(_ route: Route) -> Bool {
        route.type == .unicast && route.gateway == nil && route.nexthops.isEmpty && route.destination.prefixLength == route.family.bitWidth
    }

    /// `hostRuleTable` must hold nothing but host routes like the coordinator's: a rule
    /// `from all lookup TABLE` at priority 1000 sends every node packet there first, so a
    /// default route, a subnet or a gateway there would capture the node's own traffic.
    static func refuseForeignHostRuleTable(_ table: RouteTable, node: NetworkState) throws(CoordinatorError) {
        if let foreign = node.routes.first(where: { $0.table == table && !isHostRoute($0) }) {
            throw .hostRuleTableInUse(table: table.rawValue, route: foreign.description)
        }
    }

    /// A Pod address must not be one the node itself uses: one of its own addresses, or a
    /// gateway of one of its routes (the Pod's host route in `hostRuleTable` would capture it).
    static func refuseCapturingNodeAddresses(_ current: [IPNetwork], node: NetworkState) throws(CoordinatorError) {
        for network in current {
            let address = network.address
            if let own = node.addresses.first(where: { $0.address.address == address }) {
                throw .podAddressUsedByNode(address: address, use: "it is an address of the node (on \(own.device))")
            }
            let viaPodAddress = node.routes.first { route in
                route.gateway == address || route.nexthops.contains { $0.gateway == address }
            }
            if let route = viaPodAddress {
                throw .podAddressUsedByNode(address: address, use: "the node routes through it: \(route)")
            }
        }
    }

    /// Addresses that are neither link-local nor multicast, IPv4 first, in kernel order.
    static func routable(_ addresses: [IPNetwork]) -> [IPNetwork] {
        let usable = addresses.filter { !isLinkLocalOrMulticast($0.address) }
        return usable.filter { $0.family == .v4 } + usable.filter { $0.family == .v6 }
    }

    static func isLinkLocalOrMulticast(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): a.value >> 16 == 0xA9FE || a.value >> 28 == 0xE
        case .v6(let a): a.value >> 118 == 0x3FA || a.value >> 120 == 0xFF
        }
    }

    /// Names of node interfaces whose addresses are never taken as node addresses.
    static let ignoredNodeInterfacePrefixes = ["docker", "cbr", "dummy", "virbr", "lxcbr", "veth", "cali", "flannel",
                                               "kube-ipvs", "cni", "vx-submariner", "cili"]

    /// The node's addresses that face the Pod (Spiderpool's `hostIPRouteForPod`): for each Pod
    /// address, the source the node picks to reach it; then the node's other addresses.
    static func nodeAddresses(pod: NetworkState, node: NetworkState, families: [IPFamily]) throws(CoordinatorError) -> [IPAddress] {
        var result: [IPAddress] = []
        func add(_ address: IPAddress) { if !result.contains(address) { result.append(address) } }
        for link in pod.links where link.name != "lo" {
            for network in pod.addresses(on: link.name) where families.contains(network.family) && !isLinkLocalOrMulticast(network.address) {
                guard let source = node.routeGet[network.address] else { throw .noNodeRouteToPod(network.address) }
                add(source)
            }
        }
        for link in node.links where link.name != "lo" && !ignoredNodeInterfacePrefixes.contains(where: link.name.hasPrefix) {
            for network in node.addresses(on: link.name) where families.contains(network.family) && !isLinkLocalOrMulticast(network.address) {
                add(network.address)
            }
        }
        return result
    }

    /// Host prefix of an address: /32 or /128.
    static func host(_ address: IPAddress) -> IPNetwork { IPNetwork(host: address) }

    // MARK: Steps

    /// Underlay, first NIC: the `veth0` pair to the node, its MTU, the link address.
    func setUpVeth(_ b: inout PlanBuilder, _ s: Situation, _ invocation: CoordinatorInvocation) throws(CoordinatorError) {
        let macs = CoordinatorPlanner.vethMACs(containerID: invocation.containerID)
        // A pair this plan makes has its MTU and state from the start: that is not "in place".
        let created = b.world.pod.link(named: s.podVeth) == nil
        func kept(_ b: inout PlanBuilder) { if !created { b.inPlace.count(.link) } }
        if created {
            // `situate` picked either a free name or the link this attachment marked.
            if let leftover = b.world.node.link(named: s.hostVeth) {
                guard leftover.alias == invocation.ownerMark else {
                    throw .inconsistentPlan("\(s.hostVeth) belongs to another attachment (alias \(leftover.alias ?? "none"))")
                }
                try b.emit(.node, .deleteLink(name: s.hostVeth), "\(s.hostVeth) is left over from an earlier ADD of this attachment (its alias says so)")
            }
            try b.emit(.pod, .addVethPair(VethPair(name: s.podVeth, mac: macs.pod, peerName: s.hostVeth, peerMAC: macs.node, mtu: config.vethMTU)),
                       "underlay: \(s.podVeth) ⇄ \(s.hostVeth) lets the Pod reach the node and Services through the node's stack")
        } else {
            b.inPlace.count(.link)
        }
        if let hostLink = b.world.node.link(named: s.hostVeth) {
            if hostLink.alias != invocation.ownerMark {
                try b.emit(.node, .setLinkAlias(name: s.hostVeth, alias: invocation.ownerMark),
                           "mark \(s.hostVeth) as this attachment's, so that no other Pod's call changes or deletes it")
            } else {
                kept(&b)
            }
        }
        for (role, name) in [(NamespaceRole.pod, s.podVeth), (.node, s.hostVeth)] {
            guard let link = b.world[role].link(named: name) else { continue }
            if link.mtu != config.vethMTU {
                try b.emit(role, .setLinkMTU(name: name, mtu: config.vethMTU), "vethMTU is \(config.vethMTU)")
            } else {
                kept(&b)
            }
        }
        if b.world.node.link(named: s.hostVeth)?.isUp == false {
            try b.emit(.node, .setLinkUp(name: s.hostVeth), "bring the node end of the Pod's veth up")
        } else {
            kept(&b)
        }
        try b.ensureSysctl(.node, "net.ipv6.conf.\(s.hostVeth).accept_ra", "0", "the node end of the veth must not take router advertisements")
        if b.world.pod.link(named: s.podVeth)?.isUp == false {
            try b.emit(.pod, .setLinkUp(name: s.podVeth), "bring \(s.podVeth) up")
        } else {
            kept(&b)
        }
        if let linkAddress = config.vethLinkAddress {
            let address = InterfaceAddress(address: CoordinatorPlanner.host(.v4(linkAddress)), device: s.podVeth)
            if !s.families.contains(.v4) {
                b.decide(.skipped, "vethLinkAddress \(linkAddress) on \(s.podVeth): the NIC has no IPv4 address")
            } else if !b.world.pod.addresses.contains(address) {
                try b.emit(.pod, .addAddress(address), "vethLinkAddress gives \(s.podVeth) an IPv4 address (for service meshes)")
            } else {
                b.inPlace.count(.address)
            }
        }
    }

    /// MAC prefix, queue length and sysctls of the Pod and its NIC.
    func tuneLink(_ b: inout PlanBuilder, _ s: Situation, _ nic: String) throws(CoordinatorError) {
        if let prefix = config.podMACPrefix {
            if let first = s.current.first, let mac = CoordinatorPlanner.prefixedMAC(prefix, first.address) {
                if b.world.pod.link(named: nic)?.mac != mac {
                    try b.emit(.pod, .setLinkMAC(name: nic, mac: mac), "podMACPrefix: \(nic)'s MAC is the prefix plus its address \(first.address)")
                } else {
                    b.inPlace.count(.link)
                }
            }
        } else {
            b.decide(.skipped, "\(nic)'s MAC: podMACPrefix is not set, the MAC stays")
        }
        if config.txQueueLen > 0 {
            if b.world.pod.link(named: nic)?.txqueuelen != config.txQueueLen {
                try b.emit(.pod, .setLinkTxQueueLength(name: nic, length: config.txQueueLen), "txQueueLen is \(config.txQueueLen)")
            } else {
                b.inPlace.count(.link)
            }
        } else {
            b.decide(.skipped, "\(nic)'s txqueuelen: txQueueLen is 0, the length stays")
        }
        if s.families.contains(.v6) {
            try b.ensureSysctl(.pod, "net.ipv6.conf.all.disable_ipv6", "0", "\(nic) has IPv6 addresses")
        } else {
            b.decide(.skipped, "net.ipv6.conf.all.disable_ipv6: \(nic) has no IPv6 address")
        }
        if config.podRPFilter != -1 {
            try b.ensureSysctl(.pod, "net.ipv4.conf.all.rp_filter", String(config.podRPFilter),
                               "podRPFilter \(config.podRPFilter): \(config.podRPFilter == 0 ? "replies may arrive on another NIC" : "reverse-path filtering")")
        } else {
            b.decide(.skipped, "net.ipv4.conf.all.rp_filter: podRPFilter is -1, the Pod's value stays")
        }
    }

    /// Static neighbour entries: the node knows the Pod's addresses behind its veth end; on the
    /// first NIC, the Pod knows the node's addresses behind its end.
    func setUpNeighbours(_ b: inout PlanBuilder, _ s: Situation) throws(CoordinatorError) {
        guard let podMAC = b.world.pod.link(named: s.podVeth)?.mac else {
            throw .inconsistentPlan("\(s.podVeth) has no MAC address")
        }
        for network in s.current {
            let wanted = Neighbour(address: network.address, device: s.hostVeth, lladdr: podMAC)
            // Only entries the coordinator made (PERMANENT, on a veth) are replaced; the node's own are never touched.
            for stale in b.world.node.neighbours where stale.address == network.address && stale.device != wanted.device
                && CoordinatorPlanner.isCoordinatorNeighbour(stale, node: b.world.node) {
                try b.emit(.node, .deleteNeighbour(stale), "a stale entry for \(network.address) would send the Pod's traffic elsewhere")
            }
            try b.ensureNeighbour(.node, wanted, "the node reaches \(network.address) through \(s.hostVeth)")
        }
        guard s.firstInvoke else { return }
        guard let nodeMAC = b.world.node.link(named: s.hostVeth)?.mac else {
            throw .hostInterfaceNotFound("\(s.hostVeth) has no MAC address on the node")
        }
        for address in s.nodeAddresses {
            try b.ensureNeighbour(.pod, Neighbour(address: address, device: s.podVeth, lladdr: nodeMAC),
                                  "the Pod reaches node address \(address) through \(s.podVeth) without ARP/ND")
        }
    }

    /// Routes to the node's addresses through the veth (Pod), and the node's table back to the Pod.
    func setUpNodeRoutes(_ b: inout PlanBuilder, _ s: Situation) throws(CoordinatorError) {
        for address in s.nodeAddresses {
            let source = address.family == .v4 ? s.sourceV4 : nil
            var tables = [s.table]
            if s.firstInvoke { tables.append(.main) }
            for table in tables {
                let route = Route(destination: CoordinatorPlanner.host(address), device: s.podVeth, table: table,
                                  scope: .link, preferredSource: source)
                try b.ensureRoute(.pod, route, "node address \(address) is reached through \(s.podVeth)")
            }
        }
        let table = config.hostRuleTable
        for family in s.families {
            let rule = RoutingRule(family: family, priority: 1000, table: table)
            if b.hasRule(.node, rule) {
                b.decide(.inPlace, "the node's \(family) rule (\(rule)) is there already: the node's Pods share it")
            } else {
                try b.emit(.node, .addRule(rule), "the node looks up Pod addresses in table \(table)")
            }
        }
        for network in s.current {
            let destination = CoordinatorPlanner.host(network.address)
            let wanted = Route(destination: destination, device: s.hostVeth, table: table, scope: .link)
            for stale in b.world.node.routes where stale.table == table && stale.destination == destination && stale.device != s.hostVeth {
                try b.emit(.node, .deleteRoute(stale), "a stale route to \(network.address) in table \(table) points elsewhere")
            }
            try b.ensureRoute(.node, wanted, "the node sends replies to \(network.address) through \(s.hostVeth)")
        }
    }

    /// Cluster Pod CIDRs, Service CIDRs and extra CIDRs go through the node.
    func setUpHijackRoutes(_ b: inout PlanBuilder, _ s: Situation) throws(CoordinatorError) {
        let table: RouteTable = s.firstInvoke ? .main : s.table
        let kinds: [(String, [IPNetwork])] = [("cluster Pod CIDR", config.overlayPodCIDR), ("Service CIDR", config.serviceCIDR),
                                              ("hijackCIDR", config.hijackCIDR)]
        for (kind, networks) in kinds {
            for network in networks where !s.families.contains(network.family) {
                b.decide(.skipped, "the route to \(kind) \(network): the NIC has no IPv\(network.family == .v4 ? 4 : 6) address")
            }
            for network in networks where s.families.contains(network.family) {
                guard let gateway = s.nodeAddresses.first(where: { $0.family == network.family }) else {
                    b.decide(.skipped, "the route to \(kind) \(network): the node has no \(network.family) address facing the Pod")
                    continue
                }
                let route = Route(destination: network, gateway: gateway, device: s.podVeth, table: table,
                                  preferredSource: network.family == .v4 ? s.sourceV4 : nil)
                try b.ensureRoute(.pod, route, "\(kind) \(network) goes through the node (\(gateway)) via \(s.podVeth)")
            }
        }
    }

    static let markRules = [
        "-A PREROUTING -i veth0 -m conntrack --ctstate NEW -j MARK --set-xmark 0x1/0xffffffff",
        "-A PREROUTING -m mark --mark 0x1 -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff",
        "-A OUTPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff",
    ]

    /// Underlay, first NIC: connections that arrive through veth0 are marked so their replies
    /// leave through veth0 (NodePort with externalTrafficPolicy=Local).
    func markRepliesViaVeth(_ b: inout PlanBuilder, _ s: Situation) throws(CoordinatorError) {
        for family in s.families {
            for specification in CoordinatorPlanner.markRules {
                let rule = FirewallRule(family: family, specification: specification)
                if !b.world.pod.firewallRules.contains(rule) {
                    try b.emit(.pod, .appendFirewallRule(rule), "connections that come in through veth0 are marked so replies go back through it")
                } else {
                    b.inPlace.count(.firewallRule)
                }
            }
            try b.ensureRule(.pod, RoutingRule(family: family, priority: 1000, fwmark: 1, table: RouteTable(rawValue: 100)),
                             "marked replies use table 100")
            if let gateway = s.nodeAddresses.first(where: { $0.family == family }) {
                let route = Route(destination: Route.defaultDestination(family), gateway: gateway, device: s.podVeth,
                                  table: RouteTable(rawValue: 100), preferredSource: family == .v4 ? s.sourceV4 : nil)
                try b.ensureRoute(.pod, route, "marked replies leave through veth0 to the node (\(gateway))")
            } else {
                b.decide(.skipped, "table 100's default route for marked replies: the node has no \(family) address facing the Pod")
            }
        }
    }

    /// Source policy routing: replies leave through the NIC the request came in on, and the
    /// default route stays on (or moves to) the right NIC.
    func tunePodRoutes(_ b: inout PlanBuilder, _ s: Situation, _ nic: String) throws(CoordinatorError) {
        let main = RouteTable.main
        func ownsDefault(_ link: Link) -> Bool {
            s.families.contains { family in
                b.world.pod.routes(table: main, family: family).contains { route in
                    (route.isDefault && route.device == link.name) || route.nexthops.contains { $0.device == link.name }
                }
            }
        }
        guard let defaultNIC = b.world.pod.links.first(where: { $0.name != "lo" && $0.name != nic && ownsDefault($0) })?.name else {
            b.decide(.skipped, "moving routes between NICs: no other NIC of the Pod holds a default route in table main")
            return
        }
        var wanted = config.podDefaultRouteNic ?? defaultNIC
        let moving: String
        let why: String
        if wanted == defaultNIC {
            wanted = defaultNIC
            moving = nic
            why = config.podDefaultRouteNic == nil ? "it holds the Pod's default route and podDefaultRouteNic is not set" : "podDefaultRouteNic"
        } else {
            guard b.world.pod.link(named: wanted) != nil else { throw .defaultRouteInterfaceMissing(wanted) }
            moving = defaultNIC
            why = wanted == nic ? "podDefaultRouteNic; \(defaultNIC) held it" : "podDefaultRouteNic, though neither this NIC nor \(defaultNIC), which held it (Spiderpool's way)"
        }
        b.decide(.defaultRoute, "\(wanted) (\(why)): \(moving)'s default route, if any, leaves main for table \(s.table)")
        let defaultNICAddresses = CoordinatorPlanner.routable(b.world.pod.addresses(on: defaultNIC))
            .filter { s.families.contains($0.family) }
        if wanted == nic {
            for network in defaultNICAddresses {
                try b.ensureRule(.pod, RoutingRule(family: network.family, source: CoordinatorPlanner.host(network.address), table: s.table),
                                 "\(defaultNIC) replies leave by \(defaultNIC): from \(network.address) lookup \(s.table)")
            }
        } else {
            for network in s.current {
                try b.ensureRule(.pod, RoutingRule(family: network.family, source: CoordinatorPlanner.host(network.address), table: s.table),
                                 "\(nic) replies leave by \(nic): from \(network.address) lookup \(s.table)")
            }
            if !s.underlay && s.firstInvoke {
                let table100 = RouteTable(rawValue: 100)
                for network in defaultNICAddresses {
                    try b.ensureRule(.pod, RoutingRule(family: network.family, source: CoordinatorPlanner.host(network.address), table: table100),
                                     "\(defaultNIC) replies leave by \(defaultNIC): from \(network.address) lookup 100")
                }
                try copyDefaultRoutes(&b, s, device: config.podDefaultCniNic, to: table100)
            }
        }
        try moveRoutes(&b, s, device: moving, to: s.table, defaultStaysOn: wanted)
    }

    /// Copies the default routes of `device` (and its paths of multipath defaults) from main.
    func copyDefaultRoutes(_ b: inout PlanBuilder, _ s: Situation, device: String, to table: RouteTable) throws(CoordinatorError) {
        for family in s.families {
            for route in b.world.pod.routes(table: .main, family: family) where route.isDefault {
                if route.device == device {
                    try b.ensureRoute(.pod, Route(destination: route.destination, gateway: route.gateway, device: device, table: table, scope: route.scope),
                                      "table \(table) holds \(device)'s default route for \(device)'s replies")
                }
                for path in route.nexthops where path.device == device {
                    try b.ensureRoute(.pod, Route(destination: route.destination, gateway: path.gateway, device: device, table: table),
                                      "table \(table) holds \(device)'s default path for \(device)'s replies")
                }
            }
        }
    }

    /// Moves `device`'s default routes from main to `table` and copies its other main routes there.
    func moveRoutes(_ b: inout PlanBuilder, _ s: Situation, device: String, to table: RouteTable, defaultStaysOn wanted: String) throws(CoordinatorError) {
        var linkLocalStays = false
        defer {
            if linkLocalStays { b.decide(.skipped, "copying \(device)'s fe80::/64 route to table \(table): link-local routes stay in main") }
        }
        for family in s.families {
            for route in b.world.pod.routes(table: .main, family: family) {
                if family == .v6, route.destination.prefixLength == 64, route.destination.first.value >> 64 == 0xfe80_0000_0000_0000 {
                    if route.device == device { linkLocalStays = true }
                    continue
                }
                if route.device == device {
                    if route.isDefault {
                        try b.ensureRoute(.pod, Route(destination: route.destination, gateway: route.gateway, device: device, table: table, scope: route.scope),
                                          "\(device)'s default route serves \(device)'s replies from table \(table)")
                        try b.emit(.pod, .deleteRoute(route), "the Pod's default route is \(wanted)'s, so \(device)'s leaves main")
                    } else {
                        try b.ensureRoute(.pod, Route(destination: route.destination, gateway: route.gateway, device: device, table: table,
                                                      scope: route.scope, preferredSource: route.preferredSource),
                                          "table \(table) also reaches \(route.destination) through \(device)")
                    }
                } else {
                    for path in route.nexthops where path.device == device {
                        try b.ensureRoute(.pod, Route(destination: route.destination, gateway: path.gateway, device: device, table: table),
                                          "\(device)'s default path serves \(device)'s replies from table \(table)")
                        try b.emit(.pod, .deleteNexthop(route: route, nexthop: path),
                                   "the Pod's default route is \(wanted)'s, so \(device)'s path leaves main")
                    }
                }
            }
        }
    }

    /// The user's `policyRoutes`, through the NIC of this call.
    func setUpPolicyRoutes(_ b: inout PlanBuilder, _ s: Situation, _ nic: String) throws(CoordinatorError) {
        let table: RouteTable = s.underlay && s.firstInvoke ? .main : s.table
        for policy in config.policyRoutes where !s.families.contains(policy.dst.family) {
            b.decide(.skipped, "policy route \(policy.dst) via \(policy.gw): \(nic) has no \(policy.dst.family) address")
        }
        for policy in config.policyRoutes where s.families.contains(policy.dst.family) {
            let onLink = b.world.pod.routes.contains { route in
                route.device == nic && route.gateway == nil && route.nexthops.isEmpty && route.type == .unicast
                    && (route.table == .main || route.table == table) && route.destination.contains(policy.gw)
            }
            guard onLink else { throw .policyRouteGatewayUnreachable(destination: policy.dst, gateway: policy.gw, interface: nic) }
            try b.ensureRoute(.pod, Route(destination: policy.dst, gateway: policy.gw, device: nic, table: table),
                              "policyRoutes: \(policy.dst) via \(policy.gw) through \(nic)")
        }
    }

    // MARK: - DEL

    /// The clean-up for DEL, from the state alone: the underlay veth (the kernel removes its Pod
    /// end, routes and neighbours with it) — the peer of the Pod's `veth0` or a node link marked
    /// with this container ID, never a link of another attachment — and the node's routes and
    /// neighbours for the NIC's addresses that have the coordinator's shape (host routes and
    /// PERMANENT entries on a veth). With the Pod's namespace gone, only the marked links.
    func planDel(_ state: NamespacePair, _ invocation: CoordinatorInvocation) -> RoutePlan {
        var builder = PlanBuilder(world: state)
        // The Pod's underlay veth: the peer of its veth0, and any node link this container marked
        // (found by the mark, whatever its name; without the Pod's namespace, only by the mark).
        var owned: [String] = []
        if invocation.podNamespaceExists, let peer = CoordinatorPlanner.podVethPeer(pod: state.pod, node: state.node, invocation: invocation) {
            owned.append(peer.name)
        }
        for link in state.node.links where invocation.marksThisContainer(link.alias) && !owned.contains(link.name) { owned.append(link.name) }
        for name in owned {
            builder.emitUnlessRefused(.node, .deleteLink(name: name), "the Pod is going away: its underlay veth goes with it")
        }
        guard invocation.podNamespaceExists else {
            builder.decide(.cleanup, "the Pod's namespace is gone: only node links marked as this container's are removed"
                + (owned.isEmpty ? " (none found)" : ""))
            return builder.plan
        }
        let addresses = CoordinatorPlanner.routable(state.pod.addresses(on: invocation.interface)).map(\.address)
        if owned.isEmpty {
            builder.decide(.cleanup, "no underlay veth to delete: the Pod has no veth0 of this container's and no node link carries its mark (overlay, or gone already)")
        }
        if addresses.isEmpty {
            builder.decide(.cleanup, "\(invocation.interface) has no routable address left in the Pod: no node route or neighbour to remove")
        }
        for address in addresses {
            let destination = CoordinatorPlanner.host(address)
            for route in builder.world.node.routes where route.table == config.hostRuleTable && route.destination == destination {
                if CoordinatorPlanner.isCoordinatorNodeRoute(route, node: builder.world.node) {
                    builder.emitUnlessRefused(.node, .deleteRoute(route), "\(address) leaves with the Pod")
                } else {
                    builder.decide(.cleanup, "the node's route \(route) stays: the coordinator's are host routes on a veth, this is not one")
                }
            }
            for neighbour in builder.world.node.neighbours where neighbour.address == address {
                if CoordinatorPlanner.isCoordinatorNeighbour(neighbour, node: builder.world.node) {
                    builder.emitUnlessRefused(.node, .deleteNeighbour(neighbour), "\(address) leaves with the Pod")
                } else {
                    builder.decide(.cleanup, "the node's neighbour \(neighbour) stays: the coordinator's are PERMANENT entries on a veth, this is not one")
                }
            }
        }
        // The last Pod route of the host table gone, the node's rule to it goes too (Spiderpool
        // leaves it for ever). The plugin runs ADD and DEL under one node lock, so no ADD can
        // be relying on the rule meanwhile.
        let table = config.hostRuleTable
        let left = builder.world.node.routes.count(where: { $0.table == table })
        for rule in builder.world.node.rules where rule == RoutingRule(family: rule.family, priority: 1000, table: table) {
            if left == 0 {
                builder.emitUnlessRefused(.node, .deleteRule(rule), "no Pod route is left in table \(table)")
            } else {
                builder.decide(.cleanup, "the node's \(rule.family) rule (\(rule)) stays: \(left) route\(left == 1 ? " remains" : "s remain") in table \(table)")
            }
        }
        return builder.plan
    }

    // MARK: - MACs

    /// The MACs of a new veth pair, derived from the container ID: locally administered,
    /// unicast, stable for the same container (so a retried ADD plans the same pair).
    public static func vethMACs(containerID: String) -> (pod: MACAddress, node: MACAddress) {
        func mac(_ salt: String) -> MACAddress {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in (salt + containerID).utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            let value = (hash & 0x0000_ffff_ffff_ffff & ~(UInt64(0x01) << 40)) | (UInt64(0x02) << 40)
            return MACAddress(value: value) ?? .zero
        }
        return (mac("pod:"), mac("node:"))
    }

    /// `prefix` followed by the last four bytes of `address`.
    public static func prefixedMAC(_ prefix: UInt16, _ address: IPAddress) -> MACAddress? {
        MACAddress(value: UInt64(prefix) << 32 | UInt64(UInt32(truncatingIfNeeded: address.value)))
    }
}
