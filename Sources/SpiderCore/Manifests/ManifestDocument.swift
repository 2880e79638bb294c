/// One document of a manifest file: a pool or a reserved-IP set.
public enum ManifestDocument: Sendable, Hashable {
    case ipPool(SpiderIPPool)
    case reservedIP(SpiderReservedIP)

    /// Every pool or reserved-IP set of a file's documents (a JSON array or a `List` of items
    /// is taken item by item).
    /// - Parameter documents: the file's documents.
    public static func parse(documents: [ManifestValue]) throws(ManifestError) -> [ManifestDocument] {
        var result: [ManifestDocument] = []
        for value in documents {
            for item in flatten(value) { result.append(try ManifestDocument(document: item)) }
        }
        return result
    }

    static func flatten(_ value: ManifestValue) -> [ManifestValue] {
        if case .array(let items) = value { return items.flatMap(flatten) }
        if value["kind"]?.stringValue == "List", case .array(let items)? = value["items"] { return items.flatMap(flatten) }
        return [value]
    }

    public init(document: ManifestValue) throws(ManifestError) {
        switch document["kind"]?.stringValue {
        case SpiderIPPool.kind: self = .ipPool(try SpiderIPPool(document: document))
        case SpiderReservedIP.kind: self = .reservedIP(try SpiderReservedIP(document: document))
        default: throw .unsupportedKind(apiVersion: document["apiVersion"]?.stringValue, kind: document["kind"]?.stringValue)
        }
    }
}
