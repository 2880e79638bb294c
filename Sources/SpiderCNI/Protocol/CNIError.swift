import SpiderCore

/// A CNI error result: `{"cniVersion", "code", "msg", "details"}` on stdout, non-zero exit.
public struct CNIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The well-known codes of the CNI specification.
    public static let incompatibleVersion = 1
    public static let unsupportedField = 2
    public static let unknownContainer = 3
    public static let invalidEnvironment = 4
    public static let ioFailure = 5
    public static let decodingFailure = 6
    public static let invalidConfig = 7
    public static let tryAgainLater = 11
    public static let pluginNotAvailable = 50
    public static let pluginNotAvailableLimited = 51

    public var code: Int
    public var message: String
    public var details: String

    public init(code: Int, _ message: String, details: String = "") {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { details.isEmpty ? message : "\(message): \(details)" }

    /// Not an error for the runtime: the call needs what only `spiderctl` has (an etcd
    /// store, a YAML manifest), and ``CNIRunner`` answers ``CNIOutcome/handOff(reason:)``.
    /// Never printed as JSON.
    public static func handOff(_ reason: String) -> CNIError {
        CNIError(code: handOffCode, "handed off to spiderctl", details: reason)
    }

    /// Outside every code the specification or we use.
    static let handOffCode = -1

    /// Why the call is handed off, when it is.
    public var handOffReason: String? { code == CNIError.handOffCode ? details : nil }

    /// The error JSON for `version`.
    public func json(version: String) -> String {
        var fields = ["\"cniVersion\":\(ManifestValue.quoted(version))", "\"code\":\(code)", "\"msg\":\(ManifestValue.quoted(message))"]
        if !details.isEmpty { fields.append("\"details\":\(ManifestValue.quoted(details))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
