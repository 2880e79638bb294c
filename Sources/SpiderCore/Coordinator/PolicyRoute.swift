/// A route the user wants on the NIC the coordinator tunes (`policyRoutes: [{dst, gw}]`).
public struct PolicyRoute: Sendable, Hashable, Codable {
    /// The destination (a bare IP is a host route).
    public var dst: IPNetwork
    /// The next hop, of the same family.
    public var gw: IPAddress

    public init(dst: IPNetwork, gw: IPAddress) {
        self.dst = dst
        self.gw = gw
    }

    /// Validates a policy route as Spiderpool does: spaces trimmed, `dst` an IP or CIDR,
    /// `gw` an IP, both of one family.
    public init(dst dstText: String, gw gwText: String) throws(CoordinatorError) {
        let dstTrimmed = dstText.trimmingSpaces, gwTrimmed = gwText.trimmingSpaces
        guard let dst = IPNetwork(hostOrCIDR: dstTrimmed) else { throw .invalidPolicyRouteDestination(dstText) }
        guard let gw = IPAddress(gwTrimmed) else { throw .invalidPolicyRouteGateway(gwText) }
        guard dst.family == gw.family else { throw .policyRouteFamilyMismatch(destination: dstText, gateway: gwText) }
        self.dst = dst
        self.gw = gw
    }
}

extension IPNetwork {
    /// A CIDR, or a bare address taken as a host prefix (/32 or /128).
    public init?(hostOrCIDR text: String) {
        if text.contains("/") {
            self.init(text)
        } else if let address = IPAddress(text) {
            self.init(host: address)
        } else {
            return nil
        }
    }
}

extension String {
    package var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
