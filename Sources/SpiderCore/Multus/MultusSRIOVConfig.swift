/// The configuration of the `sriov` type (`SpiderSRIOVCniConfig`).
public struct MultusSRIOVConfig: Sendable, Hashable {
    /// `resourceName`: the SR-IOV device plugin resource (required).
    public var resourceName: String?
    /// `vlanID` (0–4094), the VF's VLAN.
    public var vlanID: Int?
    /// `mtu`: when > 0 a `tuning` plugin sets it.
    public var mtu: Int?
    /// `minTxRateMbps`.
    public var minTxRateMbps: Int?
    /// `maxTxRateMbps`.
    public var maxTxRateMbps: Int?
    /// `rdmaIsolation`: adds the `rdma` plugin.
    public var rdmaIsolation: Bool?
    /// `ippools` (`matchMasterSubnet` is honoured here).
    public var ippools: MultusIPPools?

    public init(resourceName: String? = nil, vlanID: Int? = nil, mtu: Int? = nil, minTxRateMbps: Int? = nil,
                maxTxRateMbps: Int? = nil, rdmaIsolation: Bool? = nil, ippools: MultusIPPools? = nil) {
        self.resourceName = resourceName
        self.vlanID = vlanID
        self.mtu = mtu
        self.minTxRateMbps = minTxRateMbps
        self.maxTxRateMbps = maxTxRateMbps
        self.rdmaIsolation = rdmaIsolation
        self.ippools = ippools
    }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        resourceName = try fields.string(value["resourceName"], "\(path).resourceName")
        vlanID = try fields.int(value["vlanID"], "\(path).vlanID")
        mtu = try fields.int(value["mtu"], "\(path).mtu")
        minTxRateMbps = try fields.int(value["minTxRateMbps"], "\(path).minTxRateMbps")
        maxTxRateMbps = try fields.int(value["maxTxRateMbps"], "\(path).maxTxRateMbps")
        rdmaIsolation = try fields.bool(value["rdmaIsolation"], "\(path).rdmaIsolation")
        ippools = try MultusIPPools.decode(value["ippools"], path: "\(path).ippools", fields: fields)
    }
}
