/// One path of a multipath route: `nexthop via GW dev DEV weight W [onlink]`.
public struct Nexthop: Sendable, Hashable, CustomStringConvertible {
    /// The gateway (`via`), or `nil` for a path straight out of ``device``.
    public var gateway: IPAddress?
    /// The outgoing interface (`dev`).
    public var device: String?
    /// The share of traffic relative to the other paths, 1…256 (`weight`; the kernel stores it
    /// minus one in `rtnh_hops`).
    public var weight: Int
    /// Whether the gateway is taken as on the link even if no route says so (`onlink`).
    public var onlink: Bool

    /// A path; `weight` defaults to 1, as for `ip route add … nexthop` without `weight`.
    public init(gateway: IPAddress? = nil, device: String? = nil, weight: Int = 1, onlink: Bool = false) {
        self.gateway = gateway
        self.device = device
        self.weight = weight
        self.onlink = onlink
    }

    /// `nexthop via GW dev DEV weight W [onlink]`, as `ip route` prints one path.
    public var description: String {
        (["nexthop"] + arguments(routeFamily: gateway?.family)).joined(separator: " ")
    }

    /// The words after `nexthop`. A gateway of the other family than the route's is written
    /// `via inet6 GW` (or `via inet GW`), as `ip` prints an `RTA_VIA` gateway.
    func arguments(routeFamily: IPFamily?) -> [String] {
        var words: [String] = []
        if let gateway { words += Nexthop.via(gateway, routeFamily: routeFamily) }
        if let device { words += ["dev", device] }
        words += ["weight", String(weight)]
        if onlink { words.append("onlink") }
        return words
    }

    /// `via GW`, or `via inet6 GW` / `via inet GW` when the gateway's family is not the route's.
    static func via(_ gateway: IPAddress, routeFamily: IPFamily?) -> [String] {
        guard let routeFamily, routeFamily != gateway.family else { return ["via", gateway.description] }
        return ["via", gateway.family == .v6 ? "inet6" : "inet", gateway.description]
    }
}
