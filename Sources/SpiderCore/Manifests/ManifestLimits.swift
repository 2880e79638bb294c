/// Bounds on a manifest's shape, checked before and while parsing, so that hostile input (deep
/// nesting, alias bombs) gets an error instead of exhausting the stack or the memory.
/// Kubernetes manifests stay far inside them.
package enum ManifestLimits {
    package static let maxBytes = 16 << 20
    /// Nesting of collections.
    package static let maxDepth = 64
    /// Indentation of a block line, in columns.
    package static let maxIndent = 1_024
    /// Values after aliases are expanded.
    package static let maxValues = 1_000_000

    /// Refuses text whose nesting could be deeper than ``maxDepth`` without parsing it: flow
    /// brackets outside quoted scalars and comments, compact block indicators (`- - - x`) and
    /// indentation. It may overcount (a bracket inside a plain scalar), never undercount.
    package static func check(_ text: String) throws(ManifestError) {
        guard text.utf8.count <= maxBytes else { throw .malformed("the document is larger than \(maxBytes >> 20) MiB") }
        var flow = 0
        var quote: UInt8? = nil
        var previous: UInt8 = 0x0A
        var lineStart = true
        var column = 0
        var indicators = 0
        var comment = false
        var escaped = false
        for byte in text.utf8 {
            defer { previous = byte }
            if byte == 0x0A {
                lineStart = true
                column = 0
                indicators = 0
                comment = false
                continue
            }
            if let open = quote {
                if escaped { escaped = false } else if open == 0x22 && byte == 0x5C { escaped = true } else if byte == open { quote = nil }
                continue
            }
            if comment { continue }
            if lineStart {
                if byte == 0x20 {
                    column += 1
                    guard column <= maxIndent else { throw tooDeep }
                    continue
                }
                lineStart = false
            }
            switch byte {
            case UInt8(ascii: "#") where [0x20, 0x09, 0x0A].contains(previous):
                comment = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                // A quote opens a quoted scalar only where a scalar can start.
                if [0x20, 0x09, 0x0A, UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":")].contains(previous) {
                    quote = byte
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
                guard flow <= maxDepth else { throw tooDeep }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                indicators += 1
                guard indicators <= maxDepth else { throw tooDeep }
            default:
                break
            }
        }
    }

    package static var tooDeep: ManifestError { .malformed("the document nests deeper than \(maxDepth) levels") }
}
