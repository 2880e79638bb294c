/// Why a SpiderMultusConfig could not be rendered: the document could not be read, or the
/// admission webhook would refuse it.
public enum MultusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not YAML/JSON, not a SpiderMultusConfig, or a field of the wrong type.
    case manifest(ManifestError)
    /// The webhook's verdict (the first failing rule).
    case rejected(name: String, MultusFieldError)

    /// The field error, when the webhook rejected the object.
    public var fieldError: MultusFieldError? {
        if case .rejected(_, let error) = self { error } else { nil }
    }

    public var description: String {
        switch self {
        case .manifest(let error): error.description
        case .rejected(let name, let error):
            "\(SpiderMultusConfig.kind).spiderpool.spidernet.io \(ManifestValue.quoted(name)) is invalid: \(error)"
        }
    }
}
