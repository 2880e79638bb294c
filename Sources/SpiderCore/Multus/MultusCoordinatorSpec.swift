/// `spec.coordinator` of a SpiderMultusConfig: the SpiderCoordinator spec fields written into
/// the NAD's `coordinator` plugin. Every field is optional; what the plugin leaves out comes
/// from the cluster's SpiderCoordinator at run time.
public struct MultusCoordinatorSpec: Sendable, Hashable {
    public var mode: String?
    /// Never emitted, but its presence makes `podRPFilter` emitted (Spiderpool's behaviour).
    public var podCIDRType: String?
    public var hijackCIDR: [String]?
    public var policyRoutes: [CoordinatorNetConf.RawPolicyRoute]?
    public var podMACPrefix: String?
    public var tunePodRoutes: Bool?
    /// `podDefaultRouteNIC` (emitted as `podDefaultRouteNic`).
    public var podDefaultRouteNIC: String?
    /// Never emitted.
    public var hostRuleTable: Int?
    public var podRPFilter: Int?
    public var txQueueLen: Int?
    public var vethLinkAddress: String?
    public var vethMTU: Int?

    public init() {}

    init(value: ManifestValue, path: String, fields: ManifestFields) throws(ManifestError) {
        mode = try fields.string(value["mode"], "\(path).mode")
        podCIDRType = try fields.string(value["podCIDRType"], "\(path).podCIDRType")
        hijackCIDR = try fields.optionalStrings(value["hijackCIDR"], "\(path).hijackCIDR")
        if let raw = value["policyRoutes"], !raw.isNull {
            guard case .array(let items) = raw else { throw fields.wrong("\(path).policyRoutes", "a list of {dst, gw}", raw) }
            var routes: [CoordinatorNetConf.RawPolicyRoute] = []
            for (index, item) in items.enumerated() {
                let itemPath = "\(path).policyRoutes[\(index)]"
                guard let object = try fields.object(item, itemPath) else { throw fields.wrong(itemPath, "a mapping", item) }
                routes.append(.init(dst: try fields.string(object["dst"], "\(itemPath).dst") ?? "",
                                    gw: try fields.string(object["gw"], "\(itemPath).gw") ?? ""))
            }
            policyRoutes = routes
        }
        podMACPrefix = try fields.string(value["podMACPrefix"], "\(path).podMACPrefix")
        tunePodRoutes = try fields.bool(value["tunePodRoutes"], "\(path).tunePodRoutes")
        podDefaultRouteNIC = try fields.string(value["podDefaultRouteNIC"], "\(path).podDefaultRouteNIC")
        hostRuleTable = try fields.int(value["hostRuleTable"], "\(path).hostRuleTable")
        podRPFilter = try fields.int(value["podRPFilter"], "\(path).podRPFilter")
        txQueueLen = try fields.int(value["txQueueLen"], "\(path).txQueueLen")
        vethLinkAddress = try fields.string(value["vethLinkAddress"], "\(path).vethLinkAddress")
        vethMTU = try fields.int(value["vethMTU"], "\(path).vethMTU")
    }
}
