/// One field error of the SpiderMultusConfig webhook (Kubernetes' `field.Error`): the path, the
/// kind of error, the offending value as printed, and what is wrong.
public struct MultusFieldError: Sendable, Hashable, CustomStringConvertible {
    /// Kubernetes' `field.ErrorType`, by its printed name.
    public enum ErrorType: String, Sendable, Hashable {
        case invalid = "Invalid value"
        case required = "Required value"
        case forbidden = "Forbidden"
        case notSupported = "Unsupported value"
    }

    /// The field path, e.g. `spec.macvlanConfig` (Spiderpool's Go names, as the webhook reports them).
    public var path: String
    public var type: ErrorType
    /// The value as printed in the message (`nil` for Required/Forbidden, which print none).
    public var value: String?
    /// The explanation, e.g. `master can't be empty`.
    public var detail: String

    public init(path: String, type: ErrorType, value: String? = nil, detail: String) {
        self.path = path
        self.type = type
        self.value = value
        self.detail = detail
    }

    /// `<path>: <Type>: <value>: <detail>`, as `field.Error.Error()` prints it.
    public var description: String {
        switch type {
        case .required, .forbidden: "\(path): \(type.rawValue): \(detail)"
        case .invalid, .notSupported: "\(path): \(type.rawValue): \(value ?? "null"): \(detail)"
        }
    }
}
