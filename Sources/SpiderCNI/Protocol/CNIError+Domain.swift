import SpiderCore

/// How domain failures travel on the CNI wire: SpiderCore's errors say what went wrong, this
/// says which code a runtime gets for it (Docs/ERRORS.md).
extension CNIError {
    /// The CNI error for an IPAM failure: its code and its message.
    /// - Parameter error: the IPAM failure.
    public init(_ error: IPAMError) {
        self.init(code: CNIError.code(for: error), error.description)
    }

    /// The CNI error for a coordinator failure: its code and its message.
    /// - Parameter error: the coordinator failure.
    public init(_ error: CoordinatorError) {
        self.init(code: CNIError.code(for: error), error.description)
    }

    /// 4 for bad CNI variables, 7 for configuration the user must change, 11 to try again
    /// later, and our own codes from 100 up.
    /// - Parameter error: the IPAM failure.
    public static func code(for error: IPAMError) -> Int {
        switch error {
        case .invalidContainerID, .invalidInterfaceName, .invalidPodIdentity: invalidEnvironment
        case .invalidPoolName, .invalidPoolChoice, .manifest, .duplicatePool, .invalidStore: invalidConfig
        case .storeUnavailable: tryAgainLater
        case .noPoolSelected, .poolNotFound, .allPoolsFilteredOut: 100
        case .poolsExhausted: 101
        case .fixedAddressOutsidePools, .fixedAddressTaken, .fixedAddressUnavailable: 102
        case .poolInUse: 103
        case .store, .unreadableDocument: 104
        }
    }

    /// 6 for a configuration that cannot be decoded, 999 for failures at run time, 7 for
    /// every configuration the user must change.
    /// - Parameter error: the coordinator failure.
    public static func code(for error: CoordinatorError) -> Int {
        switch error {
        case .undecodableConfig: decodingFailure
        case .interfaceNotFound, .noUsableAddresses, .noNodeRouteToPod, .hostInterfaceNotFound, .inconsistentPlan, .hostVethNamesTaken: 999
        default: invalidConfig
        }
    }
}
