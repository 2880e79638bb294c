/// Why a manifest was refused: a parse error, a missing or mistyped field, or a rule of
/// Spiderpool's webhooks. Each message names the manifest and the field.
public enum ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not YAML/JSON.
    case malformed(String)
    /// The document is not of the kind the reader expected (`apiVersion`/`kind`); `expected`
    /// names the kinds it takes.
    case unsupportedKind(apiVersion: String?, kind: String?, expected: String = "SpiderIPPool or SpiderReservedIP")
    /// A field has the wrong type.
    case wrongType(kind: String, name: String, field: String, expected: String, found: String)
    /// A required field is missing.
    case missingField(kind: String, name: String, field: String)
    /// A field's value breaks a webhook rule (`Invalid`).
    case invalid(kind: String, name: String, field: String, reason: String)
    /// A rule forbids the change (`Forbidden`).
    case forbidden(kind: String, name: String, field: String, reason: String)
    /// The name is taken (`AlreadyExists`).
    case alreadyExists(kind: String, name: String)

    /// Kubernetes' status reason: `Invalid`, `Forbidden`, `AlreadyExists`, or `BadRequest`.
    public var reason: String {
        switch self {
        case .invalid, .missingField, .wrongType: "Invalid"
        case .forbidden: "Forbidden"
        case .alreadyExists: "AlreadyExists"
        case .malformed, .unsupportedKind: "BadRequest"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let detail): "not a valid YAML/JSON document: \(detail)"
        case .unsupportedKind(let apiVersion, let kind, let expected):
            "unsupported document \(apiVersion ?? "<no apiVersion>")/\(kind ?? "<no kind>"): expected spiderpool.spidernet.io/v2beta1 \(expected)"
        case .wrongType(let kind, let name, let field, let expected, let found):
            "\(kind) \"\(name)\": \(field): expected \(expected), found \(found)"
        case .missingField(let kind, let name, let field): "\(kind) \"\(name)\": \(field): Required value"
        case .invalid(let kind, let name, let field, let reason): "\(kind) \"\(name)\" is invalid: \(field): \(reason)"
        case .forbidden(let kind, let name, let field, let reason): "\(kind) \"\(name)\" is forbidden: \(field): \(reason)"
        case .alreadyExists(let kind, let name): "\(kind) \"\(name)\" already exists"
        }
    }
}
