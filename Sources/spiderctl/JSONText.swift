import SpiderCore

/// Minimal JSON text for the few shapes spiderctl prints by hand (exact big integers included).
enum JSONText {
    static func string(_ value: String) -> String { ManifestValue.quoted(value) }

    static func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }
}
