/// A SpiderReservedIP manifest: addresses that no pool may hand out.
public struct SpiderReservedIP: Sendable, Hashable {
    public static let apiVersion = "spiderpool.spidernet.io/v2beta1"
    public static let kind = "SpiderReservedIP"

    public var name: String
    public var ipVersion: Int?
    public var ips: [String]
    public var document: ManifestValue

    public init(name: String, ips: [String], ipVersion: Int? = nil) {
        self.name = name
        self.ips = ips
        self.ipVersion = ipVersion
        document = .object([("apiVersion", .string(SpiderReservedIP.apiVersion)), ("kind", .string(SpiderReservedIP.kind)),
                            ("metadata", .object([("name", .string(name))])), ("spec", .object([]))])
    }

    public init(document: ManifestValue) throws(ManifestError) {
        guard document["kind"]?.stringValue == SpiderReservedIP.kind else {
            throw .unsupportedKind(apiVersion: document["apiVersion"]?.stringValue, kind: document["kind"]?.stringValue)
        }
        let name = document["metadata"]?["name"]?.stringValue ?? ""
        let fields = ManifestFields(kind: SpiderReservedIP.kind, name: name)
        guard !name.isEmpty else { throw .missingField(kind: SpiderReservedIP.kind, name: "", field: "metadata.name") }
        guard ResourceName.isDNSSubdomain(name) else { throw fields.invalid("metadata.name", "must be a lowercase RFC 1123 subdomain") }
        if let apiVersion = document["apiVersion"]?.stringValue, apiVersion != SpiderReservedIP.apiVersion {
            throw .unsupportedKind(apiVersion: apiVersion, kind: SpiderReservedIP.kind)
        }
        let spec = try fields.object(document["spec"], "spec") ?? .object([])
        self.name = name
        ipVersion = try fields.int(spec["ipVersion"], "spec.ipVersion")
        ips = try fields.strings(spec["ips"], "spec.ips")
        self.document = document
    }

    public var manifest: ManifestValue {
        var result = document
        result.set(["apiVersion"], .string(SpiderReservedIP.apiVersion))
        result.set(["kind"], .string(SpiderReservedIP.kind))
        result.set(["metadata", "name"], .string(name))
        result.set(["spec", "ipVersion"], ipVersion.map(ManifestValue.int))
        result.set(["spec", "ips"], .strings(ips))
        return result
    }
}
