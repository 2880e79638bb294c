/// A Multus NetworkAttachmentDefinition (`k8s.cni.cncf.io/v1`) as Spiderpool's controller
/// generates it from a SpiderMultusConfig.
public struct NetworkAttachmentDefinition: Sendable, Hashable {
    public static let apiVersion = "k8s.cni.cncf.io/v1"
    public static let kind = "NetworkAttachmentDefinition"
    /// The annotation naming the device plugin resource Multus requests for the Pod.
    public static let resourceNameAnnotation = "k8s.v1.cni.cncf.io/resourceName"

    /// The single controller reference to the SpiderMultusConfig.
    public struct OwnerReference: Sendable, Hashable {
        public var apiVersion = SpiderMultusConfig.apiVersion
        public var kind = SpiderMultusConfig.kind
        public var name: String
        /// The SMC's `metadata.uid`, when it had one.
        public var uid: String?
        public var controller = true
        public var blockOwnerDeletion = true

        public init(name: String, uid: String? = nil) {
            self.name = name
            self.uid = uid
        }
    }

    public var name: String
    public var namespace: String
    /// All of the SMC's annotations, plus `k8s.v1.cni.cncf.io/resourceName` for sriov, ib-sriov
    /// and ovs with a `deviceID`.
    public var annotations: [String: String]
    public var ownerReference: OwnerReference
    /// `spec.config`: the CNI conflist as Go marshals it (byte-exact), or `""` for a custom
    /// type without configuration.
    public var config: String

    public init(name: String, namespace: String, annotations: [String: String], ownerReference: OwnerReference, config: String) {
        self.name = name
        self.namespace = namespace
        self.annotations = annotations
        self.ownerReference = ownerReference
        self.config = config
    }

    /// The whole object, for printing as YAML or JSON (annotations sorted, as Go prints a map).
    public var document: ManifestValue {
        var metadata: [(key: String, value: ManifestValue)] = [("name", .string(name)), ("namespace", .string(namespace))]
        if !annotations.isEmpty { metadata.append(("annotations", .stringMap(annotations))) }
        var owner: [(key: String, value: ManifestValue)] = [
            ("apiVersion", .string(ownerReference.apiVersion)), ("kind", .string(ownerReference.kind)),
            ("name", .string(ownerReference.name)),
        ]
        if let uid = ownerReference.uid { owner.append(("uid", .string(uid))) }
        owner.append(("controller", .bool(ownerReference.controller)))
        owner.append(("blockOwnerDeletion", .bool(ownerReference.blockOwnerDeletion)))
        metadata.append(("ownerReferences", .array([.object(owner)])))
        return .object([
            ("apiVersion", .string(NetworkAttachmentDefinition.apiVersion)),
            ("kind", .string(NetworkAttachmentDefinition.kind)),
            ("metadata", .object(metadata)),
            ("spec", .object([("config", .string(config))])),
        ])
    }

    /// `spec.config` parsed (keys in their order), or `nil` when it is empty or not JSON.
    public var configValue: ManifestValue? { config.isEmpty ? nil : JSONReader.parse(config) }
}
