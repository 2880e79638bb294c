/// A cluster object that Spiderpool lists in `metadata.creationTimestamp` order, skipping
/// those being deleted.
protocol CreationOrdered {
    /// `metadata.creationTimestamp` (RFC 3339); `nil` sorts first.
    var creationTimestamp: String? { get }
    /// `metadata.deletionTimestamp` is set.
    var isDeleting: Bool { get }
}

extension Array where Element: CreationOrdered {
    /// The objects not being deleted, oldest first (ties keep their order).
    var liveInCreationOrder: [Element] {
        enumerated()
            .sorted { lhs, rhs in
                let a = lhs.element.creationTimestamp ?? "", b = rhs.element.creationTimestamp ?? ""
                return a == b ? lhs.offset < rhs.offset : a < b
            }
            .map(\.element)
            .filter { !$0.isDeleting }
    }
}

/// Helpers for reading Kubernetes list documents.
enum KubernetesDocuments {
    /// The objects of documents that are single objects or `List`s (`items`).
    static func objects(_ documents: [ManifestValue]) -> [ManifestValue] {
        documents.flatMap { document -> [ManifestValue] in
            if let kind = document["kind"]?.stringValue, kind == "List" || kind.hasSuffix("List"), let items = document["items"]?.arrayValue {
                return items
            }
            return [document]
        }
    }

    /// Parses YAML/JSON text into documents, with the source in the error.
    static func documents(_ text: String, source: String) throws(DetectionError) -> [ManifestValue] {
        do { return try ManifestValue.documents(yaml: text) } catch {
            if case .malformed(let detail) = error { throw .malformed(source: source, detail: detail) }
            throw .malformed(source: source, detail: error.description)
        }
    }

    /// A list of strings at `field`, or [] when absent.
    static func strings(_ value: ManifestValue?, source: String, field: String) throws(DetectionError) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else {
            throw .invalidField(source: source, field: field, detail: "expected a list of strings, found \(value.kindName)")
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw .invalidField(source: source, field: "\(field)[\(index)]", detail: "expected a string, found \(item.kindName)")
            }
            result.append(text)
        }
        return result
    }

    /// `metadata.creationTimestamp` as text.
    static func creationTimestamp(_ document: ManifestValue) -> String? {
        document["metadata"]?["creationTimestamp"]?.stringValue
    }

    /// `metadata.deletionTimestamp` is set.
    static func isDeleting(_ document: ManifestValue) -> Bool {
        if let value = document["metadata"]?["deletionTimestamp"], !value.isNull { return true }
        return false
    }
}
