/// A Kubernetes ConfigMap's name and string data.
public struct ConfigMap: Sendable, Hashable {
    public var namespace: String?
    public var name: String
    /// `data`: scalar values are kept as their text (`true`, `8`).
    public var data: [String: String]

    public init(namespace: String? = nil, name: String, data: [String: String]) {
        self.namespace = namespace
        self.name = name
        self.data = data
    }

    /// Reads a `kind: ConfigMap` document.
    public init(document: ManifestValue, source: String) throws(DetectionError) {
        guard document["kind"]?.stringValue == "ConfigMap" else {
            throw .unexpectedDocument(source: source, expected: "a ConfigMap", found: document["kind"]?.stringValue ?? "a document without kind")
        }
        var data: [String: String] = [:]
        if let value = document["data"], !value.isNull {
            guard let pairs = value.objectValue else {
                throw .invalidField(source: source, field: "data", detail: "expected a mapping of strings, found \(value.kindName)")
            }
            for (key, item) in pairs {
                switch item {
                case .string(let text): data[key] = text
                case .int(let number): data[key] = String(number)
                case .bool(let flag): data[key] = flag ? "true" : "false"
                case .double(let number): data[key] = String(number)
                case .null: data[key] = ""
                default: throw .invalidField(source: source, field: "data.\(key)", detail: "expected a string, found \(item.kindName)")
                }
            }
        }
        self.init(namespace: document["metadata"]?["namespace"]?.stringValue,
                  name: document["metadata"]?["name"]?.stringValue ?? "", data: data)
    }

    /// The first ConfigMap of a file's documents (a List's items count).
    /// - Parameters:
    ///   - documents: the file's documents.
    ///   - source: the file, for messages.
    public static func parse(documents: [ManifestValue], source: String) throws(DetectionError) -> ConfigMap {
        let objects = KubernetesDocuments.objects(documents)
        guard let document = objects.first(where: { $0["kind"]?.stringValue == "ConfigMap" }) else {
            throw .unexpectedDocument(source: source, expected: "a ConfigMap", found: objects.first?["kind"]?.stringValue ?? "no document")
        }
        return try ConfigMap(document: document, source: source)
    }
}
