import Foundation
import Yams

/// A YAML or JSON value with its mapping keys kept in document order, so that a manifest read
/// and written back keeps every field it had, known to us or not.
public enum ManifestValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ManifestValue])
    case object([(key: String, value: ManifestValue)])

    public static func == (lhs: ManifestValue, rhs: ManifestValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o): for (k, v) in o { hasher.combine(k); hasher.combine(v) }
        }
    }

    // MARK: Access

    /// The value under `key` of an object, or `nil`.
    public subscript(key: String) -> ManifestValue? {
        get {
            guard case .object(let pairs) = self else { return nil }
            return pairs.first { $0.key == key }?.value
        }
        set {
            guard case .object(var pairs) = self else { return }
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append((key, newValue))
            }
            self = .object(pairs)
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var intValue: Int? { if case .int(let i) = self { i } else { nil } }
    public var arrayValue: [ManifestValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [(key: String, value: ManifestValue)]? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { self == .null }

    /// A short name of the value's kind, for messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    // MARK: YAML

    /// Every document of a YAML (or JSON, which is YAML) text; empty documents are skipped.
    public static func documents(yaml text: String) throws(ManifestError) -> [ManifestValue] {
        try ManifestLimits.check(text)
        // JSON (what the ledger writes, and what many users apply) needs no YAML parser.
        if let first = text.utf8.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let value = JSONReader.parse(text) {
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

    /// The value of a YAML node, within ``ManifestLimits`` (aliases are expanded here, so an
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

    // MARK: JSON

    /// The value as JSON text (keys in document order).
    public func json(pretty: Bool = false, level: Int = 0) -> String {
        let indent = pretty ? String(repeating: "  ", count: level + 1) : ""
        let closing = pretty ? String(repeating: "  ", count: level) : ""
        let newline = pretty ? "\n" : ""
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .string(let s): return ManifestValue.quoted(s)
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[" + newline + a.map { indent + $0.json(pretty: pretty, level: level + 1) }.joined(separator: "," + newline) + newline + closing + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            let separator = pretty ? ": " : ":"
            return "{" + newline + o.map { indent + ManifestValue.quoted($0.key) + separator + $0.value.json(pretty: pretty, level: level + 1) }
                .joined(separator: "," + newline) + newline + closing + "}"
        }
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public var description: String { json() }
}
