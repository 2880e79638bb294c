/// The configuration of the `ipoib` type (`SpiderIPoIBCniConfig`).
public struct MultusIPoIBConfig: Sendable, Hashable {
    /// `master`: the IPoIB host interface (required).
    public var master: String?
    /// `ippools`.
    public var ippools: MultusIPPools?

    public init(master: String? = nil, ippools: MultusIPPools? = nil) {
        self.master = master
        self.ippools = ippools
    }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        master = try fields.string(value["master"], "\(path).master")
        ippools = try MultusIPPools.decode(value["ippools"], path: "\(path).ippools", fields: fields)
    }
}
