/// What a CNI ADD asks of the IPAM: who the attachment is and where it may take addresses from.
public struct AllocationRequest: Sendable, Hashable {
    public var attachment: Attachment
    public var podNamespace: String = ""
    public var podName: String = ""
    public var podUID: String = ""
    public var podLabels: [String: String] = [:]
    public var namespaceLabels: [String: String] = [:]
    public var nodeName: String = ""
    public var nodeLabels: [String: String] = [:]
    /// Per-Pod pools (rule 1/2 of Spiderpool's ladder: the `ippools`/`ippool` annotations).
    public var podPools: PoolChoice?
    /// The namespace's default pools (rule 3: `default-ipv4-ippool`/`default-ipv6-ippool`).
    public var namespaceDefaults = PoolChoice()
    /// The CNI configuration's `default_ipv4_ippool`/`default_ipv6_ippool` (rule 4).
    public var configDefaults = PoolChoice()
    /// Fixed addresses asked for (the CNI `ips` capability or `IP=` in CNI_ARGS).
    public var fixedAddresses: [IPAddress] = []
    /// The NetworkAttachmentDefinition (`ns/name`) this NIC comes from, for `multusName` pools.
    public var multusName: String?
    /// The families the node serves (Spiderpool's `enableIPv4`/`enableIPv6`).
    public var enabledFamilies: Set<IPFamily> = [.v4, .v6]
    /// The CNI configuration's `clean_gateway`.
    public var cleanGateway = false
    /// Whether a released address is kept for this Pod's next incarnation (`auto`: for
    /// StatefulSet-style names `NAME-ORDINAL`).
    public var sticky: StickyPolicy = .auto
    /// The kind of the Pod's controller (`StatefulSet`, `ReplicaSet`, …) when the runtime passes
    /// it (`args["ipam.spidernet.io/owner-kind"]`, e.g. through Multus `cni-args`); `sticky: auto`
    /// then trusts it instead of the Pod's name.
    public var ownerKind: String?

    public enum StickyPolicy: String, Sendable, Hashable, Codable { case auto, always, never }

    public init(attachment: Attachment) { self.attachment = attachment }

    /// The owner written into the records.
    public var owner: AllocationOwner {
        AllocationOwner(attachment: attachment, podNamespace: podNamespace, podName: podName, podUID: podUID, node: nodeName)
    }

    /// Whether this Pod's addresses are kept for it after DEL.
    public var isSticky: Bool {
        switch sticky {
        case .always: !podName.isEmpty
        case .never: false
        case .auto: AllocationRequest.isStatefulPod(name: podName, ownerKind: ownerKind)
        }
    }

    /// What `sticky: auto` decides: a StatefulSet's Pod keeps its addresses. The owner's kind
    /// decides when it is known; otherwise the name does (``looksLikeStatefulSetPod(_:)``).
    public static func isStatefulPod(name: String, ownerKind: String?) -> Bool {
        // A parked address is found again by the Pod's name: without one there is nothing to keep it for.
        guard !name.isEmpty else { return false }
        if let ownerKind, !ownerKind.isEmpty { return ownerKind == "StatefulSet" }
        return looksLikeStatefulSetPod(name)
    }

    /// The characters of the random suffixes Kubernetes gives generated names (ReplicaSet,
    /// DaemonSet and Job Pods): no vowels, no 0, 1 or 3.
    static let generatedNameAlphabet = Set("bcdfghjklmnpqrstvwxz2456789")

    /// `NAME-ORDINAL`, as StatefulSet Pods are named: the last segment is a decimal number. A
    /// 5-character segment made only of the generated-name alphabet (`web-7f9c4-24567`) may be
    /// a Deployment's or DaemonSet's random suffix that happens to be all digits, so it is not
    /// taken as an ordinal on the name alone.
    public static func looksLikeStatefulSetPod(_ name: String) -> Bool {
        guard let dash = name.lastIndex(of: "-"), dash != name.startIndex else { return false }
        let ordinal = name[name.index(after: dash)...]
        guard !ordinal.isEmpty, ordinal.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return !(ordinal.count == 5 && ordinal.allSatisfy(generatedNameAlphabet.contains))
    }

    /// Refuses Pod identities that no Kubernetes object can have and that would reach the store
    /// and terminals raw: control characters (newlines, escape sequences) or more than 253
    /// characters in the Pod's namespace, name or UID.
    public func validateIdentity() throws(IPAMError) {
        for (key, value) in [("K8S_POD_NAMESPACE", podNamespace), ("K8S_POD_NAME", podName), ("K8S_POD_UID", podUID)] {
            let printable = value.unicodeScalars.allSatisfy { !($0.value < 0x20 || (0x7f...0x9f).contains($0.value)) }
            guard printable, value.utf8.count <= 253 else { throw .invalidPodIdentity(key: key) }
        }
        if let ownerKind, !ownerKind.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) || ownerKind.count > 63 {
            throw .invalidPoolChoice("ipam.spidernet.io/owner-kind must be a Kubernetes kind such as StatefulSet")
        }
    }
}

/// What ADD returns: one address per family (IPv4 first), with gateway and routes.
public struct AllocationResult: Sendable, Hashable {
    public struct Address: Sendable, Hashable {
        /// The address with the pool's prefix length (`10.6.212.100/16`).
        public var address: IPNetwork
        public var gateway: IPAddress?
        public var pool: String
    }

    public var addresses: [Address]
    /// The routes: the default route through the pool's gateway (unless `cleanGateway`), then
    /// the pool's routes.
    public var routes: [PoolRoute]
}
