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
public enum KubernetesDocuments {
    /// The objects of documents that are single objects or `List`s (`items`).
    public static func objects(_ documents: [ManifestValue]) -> [ManifestValue] {
        documents.flatMap { document -> [ManifestValue] in
            if let kind = document["kind"]?.stringValue, kind == "List" || kind.hasSuffix("List"), let items = document["items"]?.arrayValue {
                return items
            }
            return [document]
        }
    }

    /// A document parser's error, with the source named.
    /// - Parameters:
    ///   - error: what the parser said.
    ///   - source: the file.
    public static func malformed(_ error: ManifestError, source: String) -> DetectionError {
        if case .malformed(let detail) = error { return .malformed(source: source, detail: detail) }
        return .malformed(source: source, detail: error.description)
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
