/// The configuration of the `macvlan`, `ipvlan` and `vlan` types (Spiderpool's
/// `SpiderMacvlanCniConfig` / `SpiderIPvlanCniConfig` / `SpiderVlanCniConfig`).
public struct MultusMacvlanConfig: Sendable, Hashable {
    /// `master`: the host interfaces; two or more need a ``bond``.
    public var master: [String]
    /// `mtu` (≥ 0; 0 means the master's).
    public var mtu: Int?
    /// `vlanID` (0–4094): macvlan/ipvlan put the plugin on a `<master>.<vlanID>` sub-interface
    /// that `ifacer` creates; the vlan plugin sets `vlanId` itself.
    public var vlanID: Int?
    /// `vlanMode` (vlan only): `manual` (default) or `auto`.
    public var vlanMode: String?
    /// `bond`: how `ifacer` bonds several masters.
    public var bond: MultusBond?
    /// `rdmaResourceName`: the RDMA shared device resource (for `rdma-resource-inject`).
    public var rdmaResourceName: String?
    /// `ippools`: the default pools.
    public var ippools: MultusIPPools?

    public init(master: [String], mtu: Int? = nil, vlanID: Int? = nil, vlanMode: String? = nil, bond: MultusBond? = nil,
                rdmaResourceName: String? = nil, ippools: MultusIPPools? = nil) {
        self.master = master
        self.mtu = mtu
        self.vlanID = vlanID
        self.vlanMode = vlanMode
        self.bond = bond
        self.rdmaResourceName = rdmaResourceName
        self.ippools = ippools
    }

    init(value: ManifestValue, path: String, fields: ManifestFields, allowsVlanMode: Bool) throws(ManifestError) {
        master = try fields.strings(value["master"], "\(path).master")
        mtu = try fields.int(value["mtu"], "\(path).mtu")
        vlanID = try fields.int(value["vlanID"], "\(path).vlanID")
        if allowsVlanMode, let mode = try fields.string(value["vlanMode"], "\(path).vlanMode") {
            guard mode == "manual" || mode == "auto" else {
                throw fields.invalid("\(path).vlanMode", "Unsupported value: \(ManifestValue.quoted(mode)): supported values: \"manual\", \"auto\"")
            }
            vlanMode = mode
        }
        if let bond = try fields.object(value["bond"], "\(path).bond") {
            self.bond = try MultusBond(value: bond, path: "\(path).bond", fields: fields)
        }
        rdmaResourceName = try fields.string(value["rdmaResourceName"], "\(path).rdmaResourceName")
        ippools = try MultusIPPools.decode(value["ippools"], path: "\(path).ippools", fields: fields)
    }
}
