/// A SpiderMultusConfig (`spiderpool.spidernet.io/v2beta1`, short name `smc`): a namespaced
/// description of one Multus network, from which Spiderpool's controller generates a
/// NetworkAttachmentDefinition (`k8s.cni.cncf.io/v1`).
///
/// ```swift
/// for smc in try SpiderMultusConfig.parse(yaml) {
///     let nad = try smc.render()
///     print(nad.document.yaml)
/// }
/// ```
public struct SpiderMultusConfig: Sendable, Hashable {
    public static let kind = "SpiderMultusConfig"
    public static let apiVersion = "spiderpool.spidernet.io/v2beta1"

    /// `multus.spidernet.io/cr-name`: the NAD's name, when not the SMC's.
    public static let crNameAnnotation = "multus.spidernet.io/cr-name"
    /// `multus.spidernet.io/cni-version`: the conf's `cniVersion` (default 0.3.1).
    public static let cniVersionAnnotation = "multus.spidernet.io/cni-version"
    /// `cni.spidernet.io/cniconfig-name`: the conf's `name`, when not the NAD's.
    public static let cniConfigNameAnnotation = "cni.spidernet.io/cniconfig-name"
    /// `cni.spidernet.io/rdma-resource-inject`.
    public static let rdmaResourceInjectAnnotation = "cni.spidernet.io/rdma-resource-inject"
    /// `cni.spidernet.io/network-resource-inject`.
    public static let networkResourceInjectAnnotation = "cni.spidernet.io/network-resource-inject"
    /// The CNI versions the `cni-version` annotation may name.
    public static let supportedCNIVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]
    /// The conf's `cniVersion` without the annotation.
    public static let defaultCNIVersion = "0.3.1"

    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace` (`default` when absent).
    public var namespace: String
    /// `metadata.uid`, copied into the NAD's owner reference when present.
    public var uid: String?
    /// `metadata.annotations`; all are copied onto the NAD.
    public var annotations: [String: String]
    /// `spec`.
    public var spec: SpiderMultusConfigSpec

    public init(name: String, namespace: String = "default", uid: String? = nil, annotations: [String: String] = [:],
                spec: SpiderMultusConfigSpec = SpiderMultusConfigSpec()) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.annotations = annotations
        self.spec = spec
    }

    /// Reads one document. `apiVersion`/`kind` may be left out; when present they must name a
    /// SpiderMultusConfig.
    /// - Throws: ``MultusError/manifest(_:)`` for a wrong kind, a missing name or a mistyped
    ///   field; ``MultusError/rejected(name:_:)`` for an unknown `cniType` (as the API server's
    ///   schema check reports it).
    public init(document: ManifestValue) throws(MultusError) {
        guard case .object = document else {
            throw .manifest(.malformed("a \(SpiderMultusConfig.kind) must be a mapping, found \(document.kindName)"))
        }
        let kind = document["kind"]?.stringValue, apiVersion = document["apiVersion"]?.stringValue
        if (document["kind"] != nil && kind != SpiderMultusConfig.kind)
            || (document["apiVersion"] != nil && apiVersion != SpiderMultusConfig.apiVersion) {
            throw .manifest(.unsupportedKind(apiVersion: apiVersion, kind: kind, expected: "SpiderMultusConfig"))
        }
        var fields = ManifestFields(kind: SpiderMultusConfig.kind, name: "")
        let metadata: ManifestValue
        do throws(ManifestError) {
            guard let object = try fields.object(document["metadata"], "metadata"),
                  let name = try fields.string(object["name"], "metadata.name"), !name.isEmpty else {
                throw .missingField(kind: SpiderMultusConfig.kind, name: "", field: "metadata.name")
            }
            metadata = object
            fields = ManifestFields(kind: SpiderMultusConfig.kind, name: name)
            self.name = name
            namespace = try fields.string(metadata["namespace"], "metadata.namespace") ?? "default"
            uid = try fields.string(metadata["uid"], "metadata.uid")
            annotations = try fields.stringMap(metadata["annotations"], "metadata.annotations")
            if let spec = document["spec"], !spec.isNull, spec.objectValue == nil {
                throw fields.wrong("spec", "a mapping", spec)
            }
        } catch {
            throw .manifest(error)
        }
        spec = try SpiderMultusConfigSpec(value: document["spec"] ?? .object([]), fields: fields)
    }

    /// Every SpiderMultusConfig of a file's documents (a JSON array or a `List` is taken item
    /// by item). Documents of other kinds are an error.
    /// - Parameter documents: the file's documents.
    public static func parse(documents: [ManifestValue]) throws(MultusError) -> [SpiderMultusConfig] {
        var result: [SpiderMultusConfig] = []
        for document in documents {
            for item in ManifestDocument.flatten(document) { result.append(try SpiderMultusConfig(document: item)) }
        }
        return result
    }

    /// The NAD's name: the `cr-name` annotation, else the SMC's name.
    public var netAttachDefName: String { annotations[SpiderMultusConfig.crNameAnnotation] ?? name }

    /// The object as the controller sees it after admission: CRD defaults, the mutating webhook,
    /// CRD defaults again, then the validating webhook.
    ///
    /// - Parameters:
    ///   - operation: `.create`, or `.update(old:)` to check the `cr-name` rules.
    ///   - crdDefaults: `false` to apply only the webhook's defaulting (as Spiderpool's unit
    ///     tests do, without an API server): `txQueueLen` and `hostRuleTable` then stay unset.
    ///   - existingNADOwners: NADs that already exist, `"namespace/name"` → the
    ///     `"namespace/name"` of the SpiderMultusConfig controlling it (`nil` for none).
    /// - Throws: ``MultusError/rejected(name:_:)`` with the first failing rule.
    public func admitted(_ operation: MultusOperation = .create, crdDefaults: Bool = true,
                         existingNADOwners: [String: String?] = [:]) throws(MultusError) -> SpiderMultusConfig {
        let defaulted = MultusDefaulter.admit(self, crdDefaults: crdDefaults)
        if let error = MultusValidator.validate(defaulted, operation: operation, existingNADOwners: existingNADOwners) {
            throw .rejected(name: name, error)
        }
        return defaulted
    }

    /// Admits the object (see ``admitted(_:crdDefaults:existingNADOwners:)``) and generates its
    /// NetworkAttachmentDefinition as Spiderpool's controller does.
    public func render(_ operation: MultusOperation = .create, crdDefaults: Bool = true,
                       existingNADOwners: [String: String?] = [:]) throws(MultusError) -> NetworkAttachmentDefinition {
        let admitted = try admitted(operation, crdDefaults: crdDefaults, existingNADOwners: existingNADOwners)
        return MultusNADGenerator.generate(admitted, crdDefaults: crdDefaults)
    }
}
