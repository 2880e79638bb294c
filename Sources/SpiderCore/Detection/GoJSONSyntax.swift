/// Checks JSON text the way Go's `encoding/json` scanner does, so that errors about a CNI
/// configuration file read as Spiderpool (libcni) reports them.
struct GoJSONSyntax {
    private let bytes: [UInt8]
    private var index = 0

    /// Go's syntax error text for `text`, or `nil` when it is one valid JSON value.
    static func error(in text: String) -> String? {
        var checker = GoJSONSyntax(bytes: Array(text.utf8))
        do throws(Failure) {
            try checker.value(depth: 0)
            checker.skipSpace()
            if checker.index < checker.bytes.count {
                throw Failure.message("invalid character \(quoteChar(checker.bytes[checker.index])) after top-level value")
            }
            return nil
        } catch {
            switch error {
            case .end: return "unexpected end of JSON input"
            case .message(let text): return text
            }
        }
    }

    private enum Failure: Error { case end, message(String) }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    static func quoteChar(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\""): return "'\"'"
        case 0x0A: return "'\\n'"
        case 0x0D: return "'\\r'"
        case 0x09: return "'\\t'"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            let hex = String(byte, radix: 16, uppercase: false)
            return byte < 0x80 ? "'\\x\(hex.count < 2 ? "0" + hex : hex)'" : "'\(Character(Unicode.Scalar(byte)))'"
        }
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func next(_ context: String) throws(Failure) -> UInt8 {
        skipSpace()
        guard index < bytes.count else { throw .end }
        return bytes[index]
    }

    private func invalid(_ byte: UInt8, _ context: String) -> Failure {
        .message("invalid character \(GoJSONSyntax.quoteChar(byte)) \(context)")
    }

    private mutating func value(depth: Int) throws(Failure) {
        guard depth < 10000 else { throw .message("exceeded max depth") }
        let byte = try next("")
        switch byte {
        case UInt8(ascii: "{"):
            index += 1
            var first = true
            while true {
                let c = try next("")
                if first, c == UInt8(ascii: "}") { index += 1; return }
                guard c == UInt8(ascii: "\"") else { throw invalid(c, "looking for beginning of object key string") }
                try string()
                let colon = try next("")
                guard colon == UInt8(ascii: ":") else { throw invalid(colon, "after object key") }
                index += 1
                try value(depth: depth + 1)
                let after = try next("")
                if after == UInt8(ascii: ",") { index += 1; first = false; continue }
                if after == UInt8(ascii: "}") { index += 1; return }
                throw invalid(after, "after object key:value pair")
            }
        case UInt8(ascii: "["):
            index += 1
            if try next("") == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                let after = try next("")
                if after == UInt8(ascii: ",") { index += 1; continue }
                if after == UInt8(ascii: "]") { index += 1; return }
                throw invalid(after, "after array element")
            }
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw invalid(byte, "looking for beginning of value")
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        for expected in word.utf8 {
            guard index < bytes.count else { throw .end }
            guard bytes[index] == expected else {
                throw invalid(bytes[index], "in literal \(word) (expecting \(GoJSONSyntax.quoteChar(expected)))")
            }
            index += 1
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private mutating func number() throws(Failure) {
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            guard index < bytes.count else { throw .end }
            guard isDigit(bytes[index]) else { throw invalid(bytes[index], "in numeric literal") }
        }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { while index < bytes.count, isDigit(bytes[index]) { index += 1 } }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count else { throw .end }
            guard isDigit(bytes[index]) else { throw invalid(bytes[index], "after decimal point in numeric literal") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw .end }
            guard isDigit(bytes[index]) else { throw invalid(bytes[index], "in exponent of numeric literal") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }

    private mutating func string() throws(Failure) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw .end }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard index < bytes.count else { throw .end }
                        guard IPv6Address.hexValue(bytes[index]) != nil else {
                            throw invalid(bytes[index], "in \\u hexadecimal character escape")
                        }
                        index += 1
                    }
                default: throw invalid(escape, "in string escape code")
                }
            default:
                if byte < 0x20 { throw invalid(byte, "in string literal") }
            }
        }
        throw .end
    }
}
