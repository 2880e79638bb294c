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
        case .auto: AllocationRequest.looksLikeStatefulSetPod(podName)
        }
    }

    /// `NAME-ORDINAL`, as StatefulSet Pods are named.
    public static func looksLikeStatefulSetPod(_ name: String) -> Bool {
        guard let dash = name.lastIndex(of: "-"), dash != name.startIndex else { return false }
        let ordinal = name[name.index(after: dash)...]
        return !ordinal.isEmpty && ordinal.allSatisfy { $0.isASCII && $0.isNumber }
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
