/// A Calico IPPool (`crd.projectcalico.org/v1` or `projectcalico.org/v3`), as far as the
/// SpiderCoordinator needs it.
public struct CalicoIPPool: Sendable, Hashable, CreationOrdered {
    public var name: String
    /// `spec.cidr`, verbatim.
    public var cidr: String
    /// `spec.disabled`.
    public var disabled: Bool
    /// `metadata.creationTimestamp` (RFC 3339).
    public var creationTimestamp: String?
    /// `metadata.deletionTimestamp` is set.
    public var isDeleting: Bool

    public init(name: String, cidr: String, disabled: Bool = false, creationTimestamp: String? = nil, isDeleting: Bool = false) {
        self.name = name
        self.cidr = cidr
        self.disabled = disabled
        self.creationTimestamp = creationTimestamp
        self.isDeleting = isDeleting
    }

    /// Reads one IPPool document.
    /// - Throws: when `spec.cidr` is missing or not a CIDR, or `spec.disabled` is not a boolean.
    public init(document: ManifestValue, source: String) throws(DetectionError) {
        let name = document["metadata"]?["name"]?.stringValue ?? "<unnamed>"
        let where_ = "\(source): IPPool \"\(name)\""
        guard let cidr = document["spec"]?["cidr"]?.stringValue else {
            throw .invalidField(source: where_, field: "spec.cidr", detail: "Required value: a CIDR such as 10.244.0.0/16")
        }
        guard IPNetwork(cidr) != nil else {
            throw .invalidField(source: where_, field: "spec.cidr", detail: "\"\(cidr)\" is not a CIDR")
        }
        var disabled = false
        if let value = document["spec"]?["disabled"], !value.isNull {
            guard let flag = value.boolValue else {
                throw .invalidField(source: where_, field: "spec.disabled", detail: "expected true or false, found \(value.kindName)")
            }
            disabled = flag
        }
        self.init(name: name, cidr: cidr, disabled: disabled,
                  creationTimestamp: KubernetesDocuments.creationTimestamp(document), isDeleting: KubernetesDocuments.isDeleting(document))
    }

    /// Every IPPool in a file's documents: IPPools or Lists of them (other kinds are refused).
    /// - Parameters:
    ///   - documents: the file's documents.
    ///   - source: the file, for messages.
    public static func pools(documents: [ManifestValue], source: String) throws(DetectionError) -> [CalicoIPPool] {
        var pools: [CalicoIPPool] = []
        for object in KubernetesDocuments.objects(documents) {
            guard object["kind"]?.stringValue == "IPPool" else {
                throw .unexpectedDocument(source: source, expected: "Calico IPPool documents", found: object["kind"]?.stringValue ?? "a document without kind")
            }
            pools.append(try CalicoIPPool(document: object, source: source))
        }
        return pools
    }

    /// The overlay Pod CIDRs of a set of pools: `spec.cidr` of every pool that is neither
    /// disabled nor being deleted, oldest first; and a note for every pool left out (a
    /// disabled pool is not where Pods get addresses; Spiderpool issue #5738).
    public static func overlayCIDRs(_ pools: [CalicoIPPool]) -> (cidrs: [String], notes: [String]) {
        var notes: [String] = []
        for pool in pools {
            if pool.isDeleting {
                notes.append("Calico IPPool \"\(pool.name)\" (\(pool.cidr)) is being deleted: not counted as an overlay Pod CIDR")
            } else if pool.disabled {
                notes.append("Calico IPPool \"\(pool.name)\" (\(pool.cidr)) is disabled: not counted as an overlay Pod CIDR (Spiderpool issue #5738)")
            }
        }
        return (pools.liveInCreationOrder.filter { !$0.disabled }.map(\.cidr), notes)
    }
}
