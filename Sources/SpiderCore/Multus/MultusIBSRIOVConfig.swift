/// The configuration of the `ib-sriov` type (`SpiderIBSRIOVCniConfig`).
public struct MultusIBSRIOVConfig: Sendable, Hashable {
    /// `resourceName` (required).
    public var resourceName: String?
    /// `pkey`: the InfiniBand partition key, e.g. `0x8001`.
    public var pkey: String?
    /// `linkState`: `auto`, `enable` (default) or `disable`.
    public var linkState: String?
    /// `rdmaIsolation` (default true).
    public var rdmaIsolation: Bool?
    /// `enableIbKubernetes` (default false).
    public var enableIbKubernetes: Bool?
    /// `ippools`.
    public var ippools: MultusIPPools?

    public init(resourceName: String? = nil, pkey: String? = nil, linkState: String? = nil, rdmaIsolation: Bool? = nil,
                enableIbKubernetes: Bool? = nil, ippools: MultusIPPools? = nil) {
        self.resourceName = resourceName
        self.pkey = pkey
        self.linkState = linkState
        self.rdmaIsolation = rdmaIsolation
        self.enableIbKubernetes = enableIbKubernetes
        self.ippools = ippools
    }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        resourceName = try fields.string(value["resourceName"], "\(path).resourceName")
        pkey = try fields.string(value["pkey"], "\(path).pkey")
        if let state = try fields.string(value["linkState"], "\(path).linkState") {
            guard ["auto", "enable", "disable"].contains(state) else {
                throw fields.invalid("\(path).linkState", "Unsupported value: \(ManifestValue.quoted(state)): supported values: \"auto\", \"enable\", \"disable\"")
            }
            linkState = state
        }
        rdmaIsolation = try fields.bool(value["rdmaIsolation"], "\(path).rdmaIsolation")
        enableIbKubernetes = try fields.bool(value["enableIbKubernetes"], "\(path).enableIbKubernetes")
        ippools = try MultusIPPools.decode(value["ippools"], path: "\(path).ippools", fields: fields)
    }
}
