/// `ippools` of a SpiderMultusConfig type: the default Spiderpool pools written into the
/// generated `spiderpool` IPAM block.
public struct MultusIPPools: Sendable, Hashable {
    /// `ipv4`: default IPv4 pool names (`default_ipv4_ippool`).
    public var ipv4: [String]?
    /// `ipv6`: default IPv6 pool names (`default_ipv6_ippool`).
    public var ipv6: [String]?
    /// `matchMasterSubnet`: only honoured for sriov (`match_master_subnet`).
    public var matchMasterSubnet: Bool?

    public init(ipv4: [String]? = nil, ipv6: [String]? = nil, matchMasterSubnet: Bool? = nil) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.matchMasterSubnet = matchMasterSubnet
    }

    /// Whether at least one pool is named.
    public var hasPools: Bool { !(ipv4 ?? []).isEmpty || !(ipv6 ?? []).isEmpty }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        ipv4 = try fields.optionalStrings(value["ipv4"], "\(path).ipv4")
        ipv6 = try fields.optionalStrings(value["ipv6"], "\(path).ipv6")
        matchMasterSubnet = try fields.bool(value["matchMasterSubnet"], "\(path).matchMasterSubnet")
    }

    static func decode(_ value: ManifestValue?, path: String, fields: ManifestFields) throws(ManifestError) -> MultusIPPools? {
        guard let object = try fields.object(value, path) else { return nil }
        return try MultusIPPools(value: object, path: path, fields: fields)
    }
}

extension ManifestFields {
    /// A list of strings, keeping "absent" apart from "empty".
    func optionalStrings(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> [String]? {
        guard let value, !value.isNull else { return nil }
        return try strings(value, field)
    }
}
