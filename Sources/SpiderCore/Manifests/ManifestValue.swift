/// A YAML or JSON value with its mapping keys kept in document order, so that a manifest read
/// and written back keeps every field it had, known to us or not. SpiderCore reads and writes it
/// as JSON; the SpiderYAML module reads and writes YAML.
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
