import SpiderCore
import Yams

/// YAML text to and from `SpiderCore/ManifestValue`, through Yams (libyaml). The only module
/// that parses YAML: the CNI binary reads JSON only and hands a YAML file on to `spiderctl`.
extension ManifestValue {
    /// Every document of a YAML (or JSON, which is YAML) text; empty documents are skipped.
    public static func documents(yaml text: String) throws(ManifestError) -> [ManifestValue] {
        try ManifestLimits.check(text)
        // JSON (what the ledger writes, and what many users apply) needs no YAML parser.
        if let first = text.utf8.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let value = ManifestValue.parse(json: text) {
            return value == .null ? [] : [value]
        }
        do {
            var documents: [ManifestValue] = []
            var sequence = try Yams.compose_all(yaml: text)
            var budget = ManifestLimits.maxValues
            while let node = sequence.next() {
                let value = try ManifestValue.converting(node, depth: 0, budget: &budget)
                if value != .null { documents.append(value) }
            }
            if let error = sequence.error { throw ManifestError.malformed("\(error)".split(separator: "\n").joined(separator: " ")) }
            return documents
        } catch let error as ManifestError {
            throw error
        } catch {
            throw .malformed("\(error)".split(separator: "\n").joined(separator: " "))
        }
    }

    /// The value of a YAML node, within `ManifestLimits` (aliases are expanded here, so an
    /// alias bomb is stopped by the value budget).
    static func converting(_ node: Node, depth: Int, budget: inout Int) throws(ManifestError) -> ManifestValue {
        budget -= 1
        guard budget >= 0 else { throw .malformed("the document expands to more than \(ManifestLimits.maxValues) values") }
        guard depth <= ManifestLimits.maxDepth else { throw ManifestLimits.tooDeep }
        switch node {
        case .scalar: return ManifestValue(node: node)
        case .mapping(let mapping):
            var pairs: [(key: String, value: ManifestValue)] = []
            for pair in mapping {
                pairs.append((pair.key.string ?? "\(pair.key)", try converting(pair.value, depth: depth + 1, budget: &budget)))
            }
            return .object(pairs)
        case .sequence(let sequence):
            var items: [ManifestValue] = []
            for item in sequence { items.append(try converting(item, depth: depth + 1, budget: &budget)) }
            return .array(items)
        }
    }

    init(node: Node) {
        switch node {
        case .scalar(let scalar):
            let tag = node.tag.description
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded
            if quoted || tag == Tag.Name.str.rawValue {
                self = .string(scalar.string)
            } else if tag == Tag.Name.null.rawValue {
                self = .null
            } else if tag == Tag.Name.bool.rawValue, let bool = node.bool {
                self = .bool(bool)
            } else if tag == Tag.Name.int.rawValue, let int = node.int {
                self = .int(int)
            } else if tag == Tag.Name.float.rawValue, let double = node.float {
                self = .double(double)
            } else {
                self = .string(scalar.string)
            }
        case .mapping(let mapping):
            self = .object(mapping.map { pair in (pair.key.string ?? "\(pair.key)", ManifestValue(node: pair.value)) })
        case .sequence(let sequence):
            self = .array(sequence.map(ManifestValue.init(node:)))
        }
    }

    var node: Node {
        switch self {
        case .null: Node("null", Tag(.null))
        case .bool(let b): Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): Node(String(i), Tag(.int))
        case .double(let d): Node(String(d), Tag(.float))
        case .string(let s):
            // Quote strings that YAML would otherwise read as another type.
            Node(s, Tag(.str), ManifestValue.needsQuotes(s) ? .doubleQuoted : .any)
        case .array(let a): Node(a.map(\.node))
        case .object(let o): Node(o.map { (Node($0.key), $0.value.node) })
        }
    }

    static func needsQuotes(_ text: String) -> Bool {
        if text.isEmpty { return true }
        // What could be a deep flow collection is quoted without asking the YAML parser.
        guard (try? ManifestLimits.check(text)) != nil else { return true }
        let node = Node(text)
        let resolved = (try? Yams.compose(yaml: text)).flatMap { $0 }
        if let resolved, resolved.tag.description != Tag.Name.str.rawValue || resolved.scalar?.string != text { return true }
        _ = node
        return resolved == nil
    }

    /// The value as a YAML document.
    public var yaml: String {
        (try? Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true, sortKeys: false)) ?? ""
    }
}
