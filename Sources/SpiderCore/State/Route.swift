/// One route, as `ip route show` prints it and `ip route add` takes it.
///
/// ```
/// 10.6.212.132 dev eth0 scope link src 10.233.73.210 table 101
/// default metric 1024 pref medium nexthop via fe80::1 dev eth0 weight 1 nexthop via fd00::1 dev net1 weight 1
/// ```
///
/// ``description`` prints a route exactly as iproute2 6.x does, with the golden files'
/// convention of ` table N` at the very end for a table other than main; ``command`` gives the
/// `ip route add` arguments that recreate it; ``init(parsing:family:)`` reads both.
///
/// Parsing keeps what a route *is* and drops what the kernel reports about its current state:
/// - the flags `linkdown`, `dead`, `offload`, `trap`, `offload_failed`, `rt_offload`, `rt_trap`,
///   `rt_offload_failed`, `pervasive`, `notify`, `unresolved` and `cache`, and the counters
///   `expires N`, `error N`, `age N`, `used N`, `users N`, `uid N` are read and dropped;
/// - attributes this model has no field for but that are part of a route (`mtu [lock] N`,
///   `advmss`, `hoplimit`, `rtt`, `rttvar`, `reordering`, `window`, `cwnd`, `initcwnd`,
///   `initrwnd`, `ssthresh`, `rto_min`, `features`, `quickack`, `congctl`,
///   `fastopen_no_cookie`, `realms`, `tos`, `dsfield`, `nhid`) are kept, word for word, in
///   ``extraAttributes`` and printed back after `onlink`;
/// - any other word is an ``IPSyntaxError/unknownKeyword(_:line:)``.
///
/// A route is always of one family, that of its ``destination``. IPv6 routes have no scope
/// (the kernel reports universe for all of them), so ``scope`` is ``RouteScope/universe`` for
/// every IPv6 route made by the initialisers.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// The destination network; prefix length 0 is the default route (printed `default`).
    public var destination: IPNetwork
    /// The route's type; ``RouteType/unicast`` unless the line starts with a type word.
    public var type: RouteType
    /// The gateway (`via`). It may be an IPv6 address on an IPv4 route (RFC 5549), which `ip`
    /// writes `via inet6 GW`.
    public var gateway: IPAddress?
    /// The outgoing interface (`dev`).
    public var device: String?
    /// The table the route is in (`table`); ``RouteTable/main`` by default.
    public var table: RouteTable
    /// Who installed the route (`proto`); ``RouteProtocol/boot`` (what `ip route add` uses) by default.
    public var `protocol`: RouteProtocol
    /// How far the destination is (`scope`); ``RouteScope/universe`` by default and for IPv6.
    public var scope: RouteScope
    /// The source address for packets the host sends along the route (`src`).
    public var preferredSource: IPAddress?
    /// The route's priority (`metric`, also written `priority` or `preference` in `ip route add`);
    /// `nil` when none is given. See ``RouteKey`` for the kernel's defaults.
    public var metric: UInt32?
    /// Whether the gateway is taken as on the link (`onlink`).
    public var onlink: Bool
    /// The IPv6 router preference (`pref low|medium|high`), as the kernel prints it.
    public var preference: String?
    /// The paths of a multipath route (`nexthop …`), in order; empty for a single-path route.
    public var nexthops: [Nexthop]
    /// Attributes this model does not interpret, word for word (`["mtu", "lock", "1400"]`).
    public var extraAttributes: [String]

    /// A route. `destination` is brought to network form, and `scope` is universe for IPv6.
    public init(
        destination: IPNetwork,
        type: RouteType = .unicast,
        gateway: IPAddress? = nil,
        device: String? = nil,
        table: RouteTable = .main,
        protocol: RouteProtocol = .boot,
        scope: RouteScope = .universe,
        preferredSource: IPAddress? = nil,
        metric: UInt32? = nil,
        onlink: Bool = false,
        preference: String? = nil,
        nexthops: [Nexthop] = [],
        extraAttributes: [String] = []
    ) {
        self.destination = destination.network
        self.type = type
        self.gateway = gateway
        self.device = device
        self.table = table
        self.protocol = `protocol`
        self.scope = destination.family == .v6 ? .universe : scope
        self.preferredSource = preferredSource
        self.metric = metric
        self.onlink = onlink
        self.preference = preference
        self.nexthops = nexthops
        self.extraAttributes = extraAttributes
    }

    /// The default destination of `family`: `0.0.0.0/0` or `::/0`.
    public static func defaultDestination(_ family: IPFamily) -> IPNetwork {
        IPNetwork(checked: IPAddress(family: family, value: 0), prefixLength: 0)
    }

    /// The family of the route, that of its destination.
    public var family: IPFamily { destination.family }

    /// Whether this is a default route (prefix length 0).
    public var isDefault: Bool { destination.prefixLength == 0 }

    /// Whether the route has more than one way out (`nexthop …` paths).
    public var isMultipath: Bool { !nexthops.isEmpty }

    /// What makes this route the same as another to the kernel; see ``RouteKey``.
    public var key: RouteKey {
        RouteKey(table: table, family: family, destination: destination,
                 metric: metric ?? RouteKey.defaultMetric(family), type: type)
    }

    // MARK: Parsing

    /// Words the kernel prints about a route's state, dropped when parsing.
    private static let stateFlags: Set<String> = [
        "linkdown", "dead", "offload", "trap", "offload_failed", "rt_offload", "rt_trap",
        "rt_offload_failed", "pervasive", "notify", "unresolved", "cache",
    ]
    /// State counters with one argument, dropped when parsing.
    private static let stateCounters: Set<String> = ["expires", "error", "age", "used", "users", "uid"]
    /// Route attributes with one argument that are kept in ``extraAttributes``.
    private static let extraKeywords: Set<String> = [
        "mtu", "advmss", "hoplimit", "rtt", "rttvar", "reordering", "window", "cwnd", "initcwnd",
        "initrwnd", "ssthresh", "rto_min", "features", "quickack", "congctl", "fastopen_no_cookie",
        "realms", "tos", "dsfield", "nhid",
    ]
    /// The IPv6 router preferences.
    private static let preferences: Set<String> = ["low", "medium", "high"]

    /// Parses a route as `ip route show` prints it or as `ip route add` takes its arguments.
    ///
    /// Keywords: an optional type word first (`blackhole`, `unreachable`, `local`, …), then the
    /// destination (`default`, `CIDR`, or a bare address as a /32 or /128; `to` may precede it),
    /// `via [inet|inet6] GW`, `dev`/`oif DEV`, `proto P`, `scope S`, `src ADDR`,
    /// `metric`/`priority`/`preference N`, `table T`, `onlink`, `pref low|medium|high`, and any
    /// number of `nexthop [via GW] [dev DEV] [weight W] [onlink]` paths. A `nexthop` path ends at
    /// the first word that is not one of its own, so ` table N` may follow the last path. See
    /// the type's documentation for the words that are dropped or kept without meaning.
    ///
    /// - Parameters:
    ///   - line: the route, on one line or (multipath as `ip` prints it) several.
    ///   - family: the family of the route. Without it the family is that of the first of
    ///     destination, `src`, gateway and path gateways that is an address; a line with no
    ///     address (`blackhole default`) then throws ``IPSyntaxError/missingFamily(_:line:)``.
    /// - Throws: ``IPSyntaxError`` naming the bad token and the line.
    public init(parsing line: String, family: IPFamily? = nil) throws(IPSyntaxError) {
        var cursor = IPSyntaxCursor(line)
        guard !cursor.isEmpty else { throw .emptyLine(line) }

        var type: RouteType?
        var destination: (token: String, network: IPNetwork?)?
        var sawTo = false
        var gateway: (token: String, address: IPAddress)?
        var device: String?
        var routeProtocol: RouteProtocol?
        var scope: RouteScope?
        var source: (token: String, address: IPAddress)?
        var metric: UInt32?
        var table: RouteTable?
        var onlink = false
        var preference: String?
        var hops: [(hop: Nexthop, gatewayToken: String?)] = []
        var extras: [String] = []

        func once(_ isSet: Bool, _ keyword: String) throws(IPSyntaxError) {
            if isSet { throw .duplicateKeyword(keyword, line: line) }
        }

        while let word = cursor.next() {
            switch word {
            case "via":
                try once(gateway != nil, word)
                gateway = try Route.via(&cursor)
            case "dev", "oif":
                try once(device != nil, word)
                device = try cursor.argument(of: word)
            case "proto":
                try once(routeProtocol != nil, word)
                let token = try cursor.argument(of: word)
                guard let value = RouteProtocol(token) else { throw .invalidValue(token, keyword: word, line: line) }
                routeProtocol = value
            case "scope":
                try once(scope != nil, word)
                let token = try cursor.argument(of: word)
                guard let value = RouteScope(token) else { throw .invalidValue(token, keyword: word, line: line) }
                scope = value
            case "src":
                try once(source != nil, word)
                let token = try cursor.argument(of: word)
                source = (token, try cursor.address(token))
            case "metric", "priority", "preference":
                try once(metric != nil, "metric")
                metric = try cursor.number(of: word)
            case "table":
                try once(table != nil, word)
                let token = try cursor.argument(of: word)
                guard let value = RouteTable(token) else { throw .invalidValue(token, keyword: word, line: line) }
                table = value
            case "onlink":
                onlink = true
            case "pref":
                try once(preference != nil, word)
                let token = try cursor.argument(of: word)
                guard Route.preferences.contains(token) else { throw .invalidValue(token, keyword: word, line: line) }
                preference = token
            case "nexthop":
                hops.append(try Route.nexthop(&cursor))
            case "to":
                try once(sawTo || destination != nil, word)
                sawTo = true
            case _ where Route.stateFlags.contains(word):
                continue
            case _ where Route.stateCounters.contains(word):
                _ = try cursor.argument(of: word)
            case _ where Route.extraKeywords.contains(word):
                extras.append(word)
                var value = try cursor.argument(of: word)
                if value == "lock" {
                    extras.append(value)
                    value = try cursor.argument(of: word + " lock")
                }
                extras.append(value)
            default:
                guard destination == nil else { throw .unknownKeyword(word, line: line) }
                if type == nil, let named = RouteType(name: word) {
                    type = named
                } else if word == "default" {
                    destination = (word, nil)
                } else if IPSyntaxCursor.looksLikeAddress(word) {
                    destination = (word, try cursor.network(word))
                } else {
                    throw .unknownKeyword(word, line: line)
                }
            }
        }

        guard let destination else { throw .missingField("destination", line: line) }
        let routeFamily: IPFamily
        if let family {
            routeFamily = family
        } else if let inferred = destination.network?.family ?? source?.address.family ?? gateway?.address.family
            ?? hops.lazy.compactMap(\.hop.gateway).first?.family
        {
            routeFamily = inferred
        } else {
            throw .missingFamily(destination.token, line: line)
        }

        if let network = destination.network, network.family != routeFamily {
            throw .familyMismatch(destination.token, expected: routeFamily, line: line)
        }
        if let source, source.address.family != routeFamily {
            throw .familyMismatch(source.token, expected: routeFamily, line: line)
        }
        // An IPv4 route may go through an IPv6 gateway (RTA_VIA); the other way round is refused.
        func checkGateway(_ address: IPAddress, _ token: String) throws(IPSyntaxError) {
            guard address.family == routeFamily || (routeFamily == .v4 && address.family == .v6) else {
                throw .familyMismatch(token, expected: routeFamily, line: line)
            }
        }
        if let gateway { try checkGateway(gateway.address, gateway.token) }
        for hop in hops {
            if let address = hop.hop.gateway { try checkGateway(address, hop.gatewayToken ?? address.description) }
        }

        self.init(
            destination: destination.network ?? Route.defaultDestination(routeFamily),
            type: type ?? .unicast,
            gateway: gateway?.address,
            device: device,
            table: table ?? .main,
            protocol: routeProtocol ?? .boot,
            scope: scope ?? .universe,
            preferredSource: source?.address,
            metric: metric,
            onlink: onlink,
            preference: preference,
            nexthops: hops.map(\.hop),
            extraAttributes: extras
        )
    }

    /// Reads the argument of `via`: `[inet|inet6] ADDRESS`.
    private static func via(_ cursor: inout IPSyntaxCursor) throws(IPSyntaxError) -> (token: String, address: IPAddress) {
        var token = try cursor.argument(of: "via")
        var required: IPFamily?
        if token == "inet" || token == "inet6" {
            required = token == "inet" ? .v4 : .v6
            token = try cursor.argument(of: "via " + token)
        }
        let address = try cursor.address(token)
        if let required, address.family != required {
            throw .familyMismatch(token, expected: required, line: cursor.line)
        }
        return (token, address)
    }

    /// Reads one path after `nexthop`, up to the first word that is not one of a path's.
    private static func nexthop(_ cursor: inout IPSyntaxCursor) throws(IPSyntaxError) -> (hop: Nexthop, gatewayToken: String?) {
        var hop = Nexthop()
        var gatewayToken: String?
        var seen: Set<String> = []
        loop: while let word = cursor.peek() {
            switch word {
            case "via", "dev", "weight":
                guard seen.insert(word).inserted else { throw .duplicateKeyword(word, line: cursor.line) }
                _ = cursor.next()
                if word == "via" {
                    let via = try Route.via(&cursor)
                    (gatewayToken, hop.gateway) = (via.token, via.address)
                } else if word == "dev" {
                    hop.device = try cursor.argument(of: word)
                } else {
                    let token = try cursor.argument(of: word)
                    guard let weight = IPSyntaxCursor.unsigned(token), (1...256).contains(weight) else {
                        throw .invalidNumber(token, keyword: word, line: cursor.line)
                    }
                    hop.weight = Int(weight)
                }
            case "onlink":
                _ = cursor.next()
                hop.onlink = true
            case _ where stateFlags.contains(word):
                _ = cursor.next()
            default:
                break loop
            }
        }
        guard hop.gateway != nil || hop.device != nil else {
            throw .missingArgument(keyword: "nexthop", line: cursor.line)
        }
        return (hop, gatewayToken)
    }

    // MARK: Printing

    /// The destination as `ip` prints it: `default`, a bare address for a host route, else the CIDR.
    private var destinationText: String {
        if destination.prefixLength == 0 { return "default" }
        if destination.prefixLength == family.bitWidth { return destination.address.description }
        return destination.description
    }

    /// The words of the route up to (not including) the table and the paths.
    private var headWords: [String] {
        var words: [String] = []
        if type != .unicast { words.append(type.name) }
        words.append(destinationText)
        if let gateway { words += Nexthop.via(gateway, routeFamily: family) }
        if let device { words += ["dev", device] }
        if self.protocol != .boot { words += ["proto", self.protocol.description] }
        return words
    }

    /// The words after the scope: `src`, `metric`, `onlink`, the extra attributes and `pref`.
    private var tailWords: [String] {
        var words: [String] = []
        if let preferredSource { words += ["src", preferredSource.description] }
        if let metric { words += ["metric", String(metric)] }
        if onlink { words.append("onlink") }
        words += extraAttributes
        if let preference { words += ["pref", preference] }
        return words
    }

    /// The route as iproute2 prints it on one line: `[TYPE] DST [via GW] [dev DEV] [proto P]
    /// [scope S] [src SRC] [metric M] [onlink] [pref P] [nexthop …]… [table T]`.
    ///
    /// `proto boot`, `scope global` and `table main` are left out, and IPv6 routes never show a
    /// scope. The table comes last, as in the golden files (`ip route show table N` does not
    /// print it at all).
    public var description: String {
        var words = headWords
        if family == .v4 && scope != .universe { words += ["scope", scope.description] }
        words += tailWords
        for hop in nexthops { words += ["nexthop"] + hop.arguments(routeFamily: family) }
        if table != .main { words += ["table", table.description] }
        return words.joined(separator: " ")
    }

    /// The scope `ip route add` gives an IPv4 route that names none (iproute2's rule: host for
    /// local and nat, link for broadcast, multicast, anycast and for unicast without a gateway).
    private var implicitScope: RouteScope {
        switch type {
        case .local, .nat: .host
        case .broadcast, .multicast, .anycast: .link
        case .unicast: gateway == nil && nexthops.isEmpty ? .link : .universe
        default: .universe
        }
    }

    /// The arguments of `ip route add` that recreate the route (without `-6`), for example
    /// `["10.6.212.132", "dev", "eth0", "scope", "link", "src", "10.233.73.210", "table", "101"]`.
    ///
    /// The IPv4 scope is written whenever it is not universe, and as `scope global` where
    /// `ip route add` would otherwise pick another one. `table` comes before the `nexthop` paths,
    /// which must end the command.
    public var command: [String] {
        var words = headWords
        if family == .v4 && (scope != .universe || implicitScope != .universe) {
            words += ["scope", scope.description]
        }
        words += tailWords
        if table != .main { words += ["table", table.description] }
        for hop in nexthops { words += ["nexthop"] + hop.arguments(routeFamily: family) }
        return words
    }
}
