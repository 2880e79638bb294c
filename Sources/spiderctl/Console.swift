import Foundation

/// Writing to the terminal: results on stdout, one-line failures on stderr.
enum Console {
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Text as it is (a script or a document that ends with its own newline).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `text` safe to print on a terminal: control characters (newlines, escape sequences)
    /// written as `\n`, `\t`, `\e` or `\u{XX}` instead of raw.
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0a: result += "\\n"
            case 0x09: result += "\\t"
            case 0x1b: result += "\\e"
            case 0..<0x20, 0x7f...0x9f: result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("error: " + line + "\n").utf8))
    }
}
