/// A route a pool hands to its Pods: `{dst, gw}` in a SpiderIPPool's `spec.routes`.
public struct PoolRoute: Sendable, Hashable, Codable {
    /// The destination CIDR (host bits are accepted, as Spiderpool does).
    public var dst: IPNetwork
    /// The next hop, of the same family as `dst`.
    public var gw: IPAddress

    public init(dst: IPNetwork, gw: IPAddress) {
        self.dst = dst
        self.gw = gw
    }

    /// Validates a route as Spiderpool's `IsRoute(version, dst, gw)` does, or, with no family,
    /// as `IsRouteWithoutIPVersion`: `dst` a CIDR and `gw` an address, both of one family.
    ///
    /// - Throws: ``AddressError/invalidIPVersion(_:)`` never (the family is typed);
    ///   ``AddressError/invalidRouteFormat(destination:gateway:family:)`` otherwise.
    public init(dst dstText: String, gw gwText: String, family: IPFamily? = nil) throws(AddressError) {
        let failure = AddressError.invalidRouteFormat(destination: dstText, gateway: gwText, family: family)
        guard let dst = IPNetwork(dstText) else { throw failure }
        let routeFamily = family ?? dst.family
        guard dst.family == routeFamily, let gw = IPAddress(gwText, family: routeFamily) else { throw failure }
        self.dst = dst
        self.gw = gw
    }
}
