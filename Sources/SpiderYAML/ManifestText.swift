import SpiderCore

// The text-taking spellings of SpiderCore's manifest and detection readers: YAML (or JSON)
// text in, SpiderCore's functions of documents out.

extension ManifestDocument {
    /// Every pool or reserved-IP set of a YAML or JSON text (`---` separated; a JSON array or a
    /// `List` of items is taken item by item).
    /// - Parameter text: the manifest file's text.
    public static func parse(_ text: String) throws(ManifestError) -> [ManifestDocument] {
        try parse(documents: try ManifestValue.documents(yaml: text))
    }
}

extension SpiderCoordinator {
    /// The first SpiderCoordinator of a YAML or JSON text.
    /// - Parameter text: the manifest file's text.
    public static func parse(_ text: String) throws(ManifestError) -> SpiderCoordinator {
        try parse(documents: try ManifestValue.documents(yaml: text))
    }
}

extension SpiderMultusConfig {
    /// Every SpiderMultusConfig of a YAML or JSON text (`---` separated; a JSON array or a
    /// `List` is taken item by item). Documents of other kinds are an error.
    /// - Parameter text: the manifest file's text.
    public static func parse(_ text: String) throws(MultusError) -> [SpiderMultusConfig] {
        let documents: [ManifestValue]
        do throws(ManifestError) { documents = try ManifestValue.documents(yaml: text) } catch { throw .manifest(error) }
        return try parse(documents: documents)
    }
}

extension KubernetesDocuments {
    /// The documents of a YAML/JSON text, with the source named in the error.
    /// - Parameters:
    ///   - text: the file's text.
    ///   - source: the file.
    public static func documents(_ text: String, source: String) throws(DetectionError) -> [ManifestValue] {
        do { return try ManifestValue.documents(yaml: text) } catch { throw malformed(error, source: source) }
    }
}

extension CalicoIPPool {
    /// Every IPPool in a YAML/JSON text of IPPool documents or Lists of them.
    /// - Parameters:
    ///   - text: the file's text.
    ///   - source: the file, for messages.
    public static func pools(yaml text: String, source: String) throws(DetectionError) -> [CalicoIPPool] {
        try pools(documents: try KubernetesDocuments.documents(text, source: source), source: source)
    }
}

extension CiliumPodIPPool {
    /// Every CiliumPodIPPool of a YAML/JSON text (documents or Lists).
    /// - Parameters:
    ///   - text: the file's text.
    ///   - source: the file, for messages.
    public static func pools(yaml text: String, source: String) throws(DetectionError) -> [CiliumPodIPPool] {
        try pools(documents: try KubernetesDocuments.documents(text, source: source), source: source)
    }
}

extension ConfigMap {
    /// The first ConfigMap of a YAML/JSON text (a List's items count).
    /// - Parameters:
    ///   - text: the file's text.
    ///   - source: the file, for messages.
    public static func parse(yaml text: String, source: String) throws(DetectionError) -> ConfigMap {
        try parse(documents: try KubernetesDocuments.documents(text, source: source), source: source)
    }
}

extension KubernetesServiceCIDR {
    /// Every ServiceCIDR of a YAML/JSON text (documents or Lists).
    /// - Parameters:
    ///   - text: the file's text.
    ///   - source: the file, for messages.
    public static func objects(yaml text: String, source: String) throws(DetectionError) -> [KubernetesServiceCIDR] {
        try objects(documents: try KubernetesDocuments.documents(text, source: source), source: source)
    }
}
