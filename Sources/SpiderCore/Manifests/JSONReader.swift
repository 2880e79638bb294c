extension ManifestValue {
    /// One JSON value, keys in document order; `nil` unless `text` is exactly one JSON value
    /// (white space around it allowed) nested at most 256 deep.
    /// - Parameter text: the JSON text.
    public static func parse(json text: String) -> ManifestValue? { JSONReader.parse(text) }

    /// One JSON value from UTF-8 bytes (a CNI configuration on stdin, a file the ledger wrote);
    /// `nil` unless the bytes are exactly one JSON value.
    /// - Parameter bytes: the UTF-8 text.
    public static func parse(json bytes: [UInt8]) -> ManifestValue? { JSONReader.parse(bytes: bytes) }

    /// The documents of a JSON text, as ``documents(json:)`` reads them for a manifest: one
    /// value, or none for `null` or an empty text.
    /// - Parameter text: the JSON text.
    /// - Throws: ``ManifestError`` when the text is over the limits or not JSON.
    public static func documents(json text: String) throws(ManifestError) -> [ManifestValue] {
        try ManifestLimits.check(text)
        guard text.utf8.contains(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) else { return [] }
        guard let value = JSONReader.parse(text) else { throw .malformed("not a JSON document") }
        return value == .null ? [] : [value]
    }
}

/// A small JSON parser that keeps object keys in document order (read on every CNI call:
/// cheaper than a YAML parser).
struct JSONReader {
    private let bytes: [UInt8]
    private var index = 0
    /// Open objects and arrays; deeper than ``maxDepth`` is refused (the parser recurses).
    private var depth = 0
    static let maxDepth = 256

    /// Parses one JSON value; `nil` for anything that is not exactly one JSON value.
    static func parse(_ text: String) -> ManifestValue? { parse(bytes: Array(text.utf8)) }

    /// Parses one JSON value from UTF-8 bytes; `nil` for anything that is not exactly one.
    static func parse(bytes: [UInt8]) -> ManifestValue? {
        var reader = JSONReader(bytes: bytes)
        guard let value = reader.value() else { return nil }
        reader.skipSpace()
        return reader.index == reader.bytes.count ? value : nil
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func literal(_ word: String) -> Bool {
        let word = Array(word.utf8)
        guard index + word.count <= bytes.count, Array(bytes[index..<(index + word.count)]) == word else { return false }
        index += word.count
        return true
    }

    private mutating func value() -> ManifestValue? {
        skipSpace()
        guard index < bytes.count else { return nil }
        let open = bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[")
        if open {
            depth += 1
            guard depth <= JSONReader.maxDepth else { return nil }
        }
        defer { if open { depth -= 1 } }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var pairs: [(key: String, value: ManifestValue)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let item = value() else { return nil }
                pairs.append((key, item))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
                return nil
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [ManifestValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                guard let item = value() else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                return nil
            }
        case UInt8(ascii: "\""):
            return string().map(ManifestValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func number() -> ManifestValue? {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        guard JSONReader.isNumber(bytes[start..<index]) else { return nil }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let int = Int(text) { return .int(int) }
        if let double = Double(text) { return .double(double) }
        return nil
    }

    /// Whether `text` is a number as JSON spells it: `-? (0 | [1-9][0-9]*) (. [0-9]+)?
    /// ([eE] [+-]? [0-9]+)?` — no `+5`, `05`, `1.` or `.5`, which Swift's number parsers take.
    static func isNumber(_ text: ArraySlice<UInt8>) -> Bool {
        var rest = text[...]
        func digits() -> Int {
            let count = rest.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        let leadingZero = rest.first == UInt8(ascii: "0")
        let whole = digits()
        guard whole > 0, !(leadingZero && whole > 1) else { return false }
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            guard digits() > 0 else { return false }
        }
        if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return rest.isEmpty
    }

    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                flush()
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(scalar)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                run.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            guard let digit = IPv6Address.hexValue(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}
