import Foundation
import SpiderCore

/// Small JSON helpers over Foundation's parser (the CNI plugins run once per Pod: no heavier
/// machinery at start-up).
enum JSON {
    static func quote(_ text: String) -> String { ManifestValue.quoted(text) }

    /// Parses a JSON object; `nil` for anything else.
    static func object(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Compact JSON text of a value made of dictionaries, arrays, strings, numbers and booleans.
    static func encode(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value) || value is String || value is NSNumber,
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
