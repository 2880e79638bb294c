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

    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("error: " + line + "\n").utf8))
    }
}
