/// A SpiderIPPool manifest (`spiderpool.spidernet.io/v2beta1`), read from YAML or JSON exactly as
/// Spiderpool's docs write it.
///
/// The known fields are typed; the whole document is kept in ``document`` so that a pool written
/// back (``manifest``) keeps every field it had, including ones this version does not know.
public struct SpiderIPPool: Sendable, Hashable {
    public static let apiVersion = "spiderpool.spidernet.io/v2beta1"
    public static let kind = "SpiderIPPool"
    /// The label Spiderpool puts on every pool: its subnet as a label value.
    public static let cidrLabel = "ipam.spidernet.io/ippool-cidr"

    /// A route of `spec.routes`, as written.
    public struct Route: Sendable, Hashable {
        public var dst: String
        public var gw: String
        public init(dst: String, gw: String) {
            self.dst = dst
            self.gw = gw
        }
    }

    public var name: String
    public var labels: [String: String]
    public var ipVersion: Int?
    public var subnet: String
    public var ips: [String]
    public var excludeIPs: [String]
    public var gateway: String?
    public var routes: [Route]
    public var podAffinity: LabelSelector?
    public var namespaceAffinity: LabelSelector?
    public var namespaceName: [String]
    public var nodeAffinity: LabelSelector?
    public var nodeName: [String]
    public var multusName: [String]
    /// `spec.default`: a cluster default pool.
    public var isDefault: Bool
    /// `spec.disable`: never used for new allocations.
    public var disable: Bool
    /// The document as read (or as built), for the fields this type does not model.
    public var document: ManifestValue

    /// A pool built in code.
    public init(name: String, subnet: String, ips: [String] = [], excludeIPs: [String] = [], gateway: String? = nil,
                ipVersion: Int? = nil) {
        self.name = name
        self.labels = [:]
        self.ipVersion = ipVersion
        self.subnet = subnet
        self.ips = ips
        self.excludeIPs = excludeIPs
        self.gateway = gateway
        self.routes = []
        self.namespaceName = []
        self.nodeName = []
        self.multusName = []
        self.isDefault = false
        self.disable = false
        self.document = .object([("apiVersion", .string(SpiderIPPool.apiVersion)), ("kind", .string(SpiderIPPool.kind)),
                                 ("metadata", .object([("name", .string(name))])), ("spec", .object([]))])
    }

    /// Reads a pool from a parsed document.
    /// - Throws: ``ManifestError`` naming the field that is missing or of the wrong type.
    public init(document: ManifestValue) throws(ManifestError) {
        guard document["kind"]?.stringValue == SpiderIPPool.kind else {
            throw .unsupportedKind(apiVersion: document["apiVersion"]?.stringValue, kind: document["kind"]?.stringValue)
        }
        let name = document["metadata"]?["name"]?.stringValue ?? ""
        let fields = ManifestFields(kind: SpiderIPPool.kind, name: name)
        guard !name.isEmpty else { throw .missingField(kind: SpiderIPPool.kind, name: "", field: "metadata.name") }
        guard ResourceName.isDNSSubdomain(name) else {
            throw fields.invalid("metadata.name", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
        }
        if let apiVersion = document["apiVersion"]?.stringValue, apiVersion != SpiderIPPool.apiVersion {
            throw .unsupportedKind(apiVersion: apiVersion, kind: SpiderIPPool.kind)
        }
        let spec = try fields.object(document["spec"], "spec") ?? .object([])
        self.name = name
        labels = try fields.stringMap(document["metadata"]?["labels"], "metadata.labels")
        ipVersion = try fields.int(spec["ipVersion"], "spec.ipVersion")
        guard let subnet = try fields.string(spec["subnet"], "spec.subnet") else {
            throw .missingField(kind: SpiderIPPool.kind, name: name, field: "spec.subnet")
        }
        self.subnet = subnet
        ips = try fields.strings(spec["ips"], "spec.ips")
        excludeIPs = try fields.strings(spec["excludeIPs"], "spec.excludeIPs")
        gateway = try fields.string(spec["gateway"], "spec.gateway")
        var routes: [Route] = []
        if let raw = spec["routes"], !raw.isNull {
            guard case .array(let items) = raw else { throw fields.wrong("spec.routes", "a list", raw) }
            for (index, item) in items.enumerated() {
                guard let dst = try fields.string(item["dst"], "spec.routes[\(index)].dst") else {
                    throw .missingField(kind: SpiderIPPool.kind, name: name, field: "spec.routes[\(index)].dst")
                }
                guard let gw = try fields.string(item["gw"], "spec.routes[\(index)].gw") else {
                    throw .missingField(kind: SpiderIPPool.kind, name: name, field: "spec.routes[\(index)].gw")
                }
                routes.append(Route(dst: dst, gw: gw))
            }
        }
        self.routes = routes
        func selector(_ key: String) throws(ManifestError) -> LabelSelector? {
            guard let value = try fields.object(spec[key], "spec.\(key)") else { return nil }
            return try LabelSelector.parse(value, field: "spec.\(key)", fields: fields)
        }
        podAffinity = try selector("podAffinity")
        namespaceAffinity = try selector("namespaceAffinity")
        nodeAffinity = try selector("nodeAffinity")
        namespaceName = try fields.strings(spec["namespaceName"], "spec.namespaceName")
        nodeName = try fields.strings(spec["nodeName"], "spec.nodeName")
        multusName = try fields.strings(spec["multusName"], "spec.multusName")
        isDefault = try fields.bool(spec["default"], "spec.default") ?? false
        disable = try fields.bool(spec["disable"], "spec.disable") ?? false
        self.document = document
    }

    /// The pool as a document: ``document`` with the known fields written from this value.
    public var manifest: ManifestValue {
        var result = document
        result.set(["apiVersion"], .string(SpiderIPPool.apiVersion))
        result.set(["kind"], .string(SpiderIPPool.kind))
        result.set(["metadata", "name"], .string(name))
        result.set(["metadata", "labels"], labels.isEmpty ? nil : .stringMap(labels))
        func put(_ key: String, _ value: ManifestValue?) { result.set(["spec", key], value) }
        put("ipVersion", ipVersion.map(ManifestValue.int))
        put("subnet", .string(subnet))
        put("ips", ips.isEmpty && document["spec"]?["ips"] == nil ? nil : .strings(ips))
        put("excludeIPs", excludeIPs.isEmpty && document["spec"]?["excludeIPs"] == nil ? nil : .strings(excludeIPs))
        put("gateway", gateway.map(ManifestValue.string))
        put("routes", routes.isEmpty && document["spec"]?["routes"] == nil ? nil
            : .array(routes.map { .object([("dst", .string($0.dst)), ("gw", .string($0.gw))]) }))
        put("podAffinity", podAffinity?.manifest)
        put("namespaceAffinity", namespaceAffinity?.manifest)
        put("nodeAffinity", nodeAffinity?.manifest)
        put("namespaceName", namespaceName.isEmpty && document["spec"]?["namespaceName"] == nil ? nil : .strings(namespaceName))
        put("nodeName", nodeName.isEmpty && document["spec"]?["nodeName"] == nil ? nil : .strings(nodeName))
        put("multusName", multusName.isEmpty && document["spec"]?["multusName"] == nil ? nil : .strings(multusName))
        put("default", isDefault || document["spec"]?["default"] != nil ? .bool(isDefault) : nil)
        put("disable", disable || document["spec"]?["disable"] != nil ? .bool(disable) : nil)
        return result
    }
}
