import SpiderCore

extension CNIError {
    /// The CNI error for an IPAM failure: its code (see Docs/ERRORS.md) and its message.
    /// - Parameter error: the IPAM failure.
    public init(_ error: IPAMError) {
        self.init(code: error.code, error.description)
    }

    /// The CNI error for a coordinator failure: its code and its message.
    /// - Parameter error: the coordinator failure.
    public init(_ error: CoordinatorError) {
        self.init(code: error.code, error.description)
    }
}
