/// `bond`: the bond the `ifacer` plugin builds from several masters.
public struct MultusBond: Sendable, Hashable {
    /// `name` (required), e.g. `bond0`.
    public var name: String
    /// `mode`: the Linux bonding mode, 0–6 (required).
    public var mode: Int
    /// `options`: bonding options, e.g. `primary=ens192;arp_interval=1`.
    public var options: String?

    public init(name: String, mode: Int, options: String? = nil) {
        self.name = name
        self.mode = mode
        self.options = options
    }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        name = try fields.string(value["name"], "\(path).name") ?? ""
        guard let mode = try fields.int(value["mode"], "\(path).mode") else {
            throw .missingField(kind: SpiderMultusConfig.kind, name: fields.name, field: "\(path).mode")
        }
        guard (0...6).contains(mode) else {
            throw fields.invalid("\(path).mode", "Invalid value: \(mode): must be a Linux bonding mode between 0 and 6")
        }
        self.mode = mode
        options = try fields.string(value["options"], "\(path).options")
    }
}
