/// A `CiliumPodIPPool` (`cilium.io/v2alpha1`) of Cilium's multi-pool IPAM.
public struct CiliumPodIPPool: Sendable, Hashable, CreationOrdered {
    public var name: String
    /// `spec.ipv4.cidrs`.
    public var ipv4CIDRs: [String]
    /// `spec.ipv6.cidrs`.
    public var ipv6CIDRs: [String]
    public var creationTimestamp: String?
    public var isDeleting: Bool

    public init(name: String, ipv4CIDRs: [String] = [], ipv6CIDRs: [String] = [], creationTimestamp: String? = nil, isDeleting: Bool = false) {
        self.name = name
        self.ipv4CIDRs = ipv4CIDRs
        self.ipv6CIDRs = ipv6CIDRs
        self.creationTimestamp = creationTimestamp
        self.isDeleting = isDeleting
    }

    /// Reads one CiliumPodIPPool document; every CIDR must be a CIDR of its family.
    public init(document: ManifestValue, source: String) throws(DetectionError) {
        let name = document["metadata"]?["name"]?.stringValue ?? "<unnamed>"
        let where_ = "\(source): CiliumPodIPPool \"\(name)\""
        var lists: [[String]] = []
        for family in IPFamily.allCases {
            let key = family == .v4 ? "ipv4" : "ipv6"
            let cidrs = try KubernetesDocuments.strings(document["spec"]?[key]?["cidrs"], source: where_, field: "spec.\(key).cidrs")
            for (index, cidr) in cidrs.enumerated() {
                guard let network = IPNetwork(cidr), network.family == family else {
                    throw .invalidField(source: where_, field: "spec.\(key).cidrs[\(index)]", detail: "\"\(cidr)\" is not an \(family) CIDR")
                }
            }
            lists.append(cidrs)
        }
        self.init(name: name, ipv4CIDRs: lists[0], ipv6CIDRs: lists[1],
                  creationTimestamp: KubernetesDocuments.creationTimestamp(document), isDeleting: KubernetesDocuments.isDeleting(document))
    }

    /// Every CiliumPodIPPool of a file's documents (single objects or Lists).
    /// - Parameters:
    ///   - documents: the file's documents.
    ///   - source: the file, for messages.
    public static func pools(documents: [ManifestValue], source: String) throws(DetectionError) -> [CiliumPodIPPool] {
        var pools: [CiliumPodIPPool] = []
        for object in KubernetesDocuments.objects(documents) {
            guard object["kind"]?.stringValue == "CiliumPodIPPool" else {
                throw .unexpectedDocument(source: source, expected: "CiliumPodIPPool documents", found: object["kind"]?.stringValue ?? "a document without kind")
            }
            pools.append(try CiliumPodIPPool(document: object, source: source))
        }
        return pools
    }
}
