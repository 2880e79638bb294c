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

    /// The error JSON for `version`.
    public func json(version: String) -> String {
        var fields = ["\"cniVersion\":\(JSON.quote(version))", "\"code\":\(code)", "\"msg\":\(JSON.quote(message))"]
        if !details.isEmpty { fields.append("\"details\":\(JSON.quote(details))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
