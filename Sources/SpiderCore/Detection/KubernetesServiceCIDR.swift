/// A Kubernetes `ServiceCIDR` object (`networking.k8s.io`): when the API is served, its
/// objects (not kubeadm or kube-controller-manager) give the SpiderCoordinator's serviceCIDR.
public struct KubernetesServiceCIDR: Sendable, Hashable, CreationOrdered {
    public var name: String
    /// `spec.cidrs`.
    public var cidrs: [String]
    public var creationTimestamp: String?
    public var isDeleting: Bool

    public init(name: String, cidrs: [String], creationTimestamp: String? = nil, isDeleting: Bool = false) {
        self.name = name
        self.cidrs = cidrs
        self.creationTimestamp = creationTimestamp
        self.isDeleting = isDeleting
    }

    /// Every ServiceCIDR of a file's documents (single objects or Lists); each entry must be a
    /// CIDR.
    /// - Parameters:
    ///   - documents: the file's documents.
    ///   - source: the file, for messages.
    public static func objects(documents: [ManifestValue], source: String) throws(DetectionError) -> [KubernetesServiceCIDR] {
        var result: [KubernetesServiceCIDR] = []
        for object in KubernetesDocuments.objects(documents) {
            let name = object["metadata"]?["name"]?.stringValue ?? "<unnamed>"
            guard object["kind"]?.stringValue == "ServiceCIDR" else {
                throw .unexpectedDocument(source: source, expected: "ServiceCIDR documents", found: object["kind"]?.stringValue ?? "a document without kind")
            }
            let where_ = "\(source): ServiceCIDR \"\(name)\""
            let cidrs = try KubernetesDocuments.strings(object["spec"]?["cidrs"], source: where_, field: "spec.cidrs")
            for (index, cidr) in cidrs.enumerated() where IPNetwork(cidr) == nil {
                throw .invalidField(source: where_, field: "spec.cidrs[\(index)]", detail: "\"\(cidr)\" is not a CIDR")
            }
            result.append(KubernetesServiceCIDR(name: name, cidrs: cidrs, creationTimestamp: KubernetesDocuments.creationTimestamp(object),
                                                isDeleting: KubernetesDocuments.isDeleting(object)))
        }
        return result
    }
}
