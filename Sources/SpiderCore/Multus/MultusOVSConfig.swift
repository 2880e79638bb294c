/// The configuration of the `ovs` type (`SpiderOvsCniConfig`).
public struct MultusOVSConfig: Sendable, Hashable {
    /// One `trunk` entry: a VLAN range (`minID`–`maxID`) or a single `id`.
    public struct Trunk: Sendable, Hashable {
        public var minID: Int?
        public var maxID: Int?
        public var id: Int?

        public init(minID: Int? = nil, maxID: Int? = nil, id: Int? = nil) {
            self.minID = minID
            self.maxID = maxID
            self.id = id
        }
    }

    /// `bridge`: the OVS bridge (required).
    public var bridge: String
    /// `vlan`: the access VLAN.
    public var vlan: Int?
    /// `trunk`: trunk VLANs.
    public var trunk: [Trunk]
    /// `deviceID`: a PCI address for hardware offload; sets the `resourceName` annotation.
    public var deviceID: String?
    /// `ippools`.
    public var ippools: MultusIPPools?

    public init(bridge: String, vlan: Int? = nil, trunk: [Trunk] = [], deviceID: String? = nil, ippools: MultusIPPools? = nil) {
        self.bridge = bridge
        self.vlan = vlan
        self.trunk = trunk
        self.deviceID = deviceID
        self.ippools = ippools
    }

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        bridge = try fields.string(value["bridge"], "\(path).bridge") ?? ""
        vlan = try fields.int(value["vlan"], "\(path).vlan")
        var trunk: [Trunk] = []
        if let raw = value["trunk"], !raw.isNull {
            guard case .array(let items) = raw else { throw fields.wrong("\(path).trunk", "a list", raw) }
            for (index, item) in items.enumerated() {
                let itemPath = "\(path).trunk[\(index)]"
                guard let object = try fields.object(item, itemPath) else { throw fields.wrong(itemPath, "a mapping", item) }
                trunk.append(Trunk(minID: try fields.int(object["minID"], "\(itemPath).minID"),
                                   maxID: try fields.int(object["maxID"], "\(itemPath).maxID"),
                                   id: try fields.int(object["id"], "\(itemPath).id")))
            }
        }
        self.trunk = trunk
        deviceID = try fields.string(value["deviceID"], "\(path).deviceID")
        ippools = try MultusIPPools.decode(value["ippools"], path: "\(path).ippools", fields: fields)
    }
}
