/// JSON text exactly as Go's `encoding/json` `Marshal` writes it: compact, `<`, `>`, `&`,
/// U+2028 and U+2029 escaped, `\b`/`\f` short escapes, float64 numbers in Go's format. Keys
/// keep the order they have in the value (use ``sortedKeys(_:)`` for Go maps).
public enum GoJSON {
    /// The value as Go would marshal it.
    public static func encode(_ value: ManifestValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    /// The value with every object's keys sorted (what decoding into `map[string]any` and
    /// encoding again does).
    public static func sortedKeys(_ value: ManifestValue) -> ManifestValue {
        switch value {
        case .array(let items): return .array(items.map(sortedKeys))
        case .object(let pairs):
            // Go keeps the last of duplicate keys.
            var seen: [String: ManifestValue] = [:]
            for (key, item) in pairs { seen[key] = item }
            return .object(seen.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { ($0, sortedKeys(seen[$0] ?? .null)) })
        default: return value
        }
    }

    static func write(_ value: ManifestValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number): out += float(number)
        case .string(let text): out += string(text)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += "," }
                out += string(pair.key)
                out += ":"
                write(pair.value, into: &out)
            }
            out += "}"
        }
    }

    /// A float64 as `strconv.FormatFloat(f, 'f' or 'e', -1, 64)` with Go's exponent cleanup.
    static func float(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        let magnitude = abs(number)
        if number == number.rounded(), magnitude < 1e18 { return String(Int64(number)) }
        let text = String(number)
        if magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 {
            // Swift writes 1e-07 and 1e+21 as Go does.
            return text
        }
        if text.contains("e") {
            // Swift chose an exponent where Go does not: spell the same shortest digits out.
            return positional(text)
        }
        return text
    }

    /// `1.5e-05` as `0.000015`, `1.2345e+20` as `123450000000000000000`: the digits of an
    /// exponent form, with the decimal point moved.
    static func positional(_ text: String) -> String {
        let parts = text.split(separator: "e", maxSplits: 1)
        guard parts.count == 2, let exponent = Int(parts[1]) else { return text }
        var mantissa = Substring(parts[0])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = pieces.first.map(String.init) ?? ""
        let fraction = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = whole + fraction
        // The position of the decimal point within `digits`.
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var integer = String(digits.prefix(point))
        var decimals = String(digits.dropFirst(point))
        while decimals.hasSuffix("0") { decimals.removeLast() }
        while integer.count > 1 && integer.hasPrefix("0") { integer.removeFirst() }
        return (negative ? "-" : "") + integer + (decimals.isEmpty ? "" : "." + decimals)
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += unicodeEscape(scalar.value)
            default:
                if scalar.value < 0x20 { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
