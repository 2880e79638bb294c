import SpiderCore

/// One call of a CNI plugin: the validated environment and the network configuration, parsed
/// once into a value tree that each plugin decodes into its own typed configuration.
public struct CNIInvocation: Sendable {
    /// The `CNI_*` environment, validated.
    public var environment: CNIEnvironment
    /// The configuration on stdin: a JSON object, keys in document order.
    public var config: ManifestValue
    /// The version to answer in.
    public var version: String

    /// A call with `environment`, the parsed `config` and the negotiated `version`.
    public init(environment: CNIEnvironment, config: ManifestValue, version: String) {
        self.environment = environment
        self.config = config
        self.version = version
    }
}

/// A CNI plugin: what it does for each verb. ADD returns the result JSON to print; CHECK, DEL
/// and GC print nothing on success.
public protocol CNIPlugin {
    /// ADD: attach, and return the result JSON.
    func add(_ call: CNIInvocation) throws(CNIError) -> String
    /// DEL: detach; succeeds when there is nothing to undo.
    func del(_ call: CNIInvocation) throws(CNIError)
    /// CHECK: fail when the attachment is not as ADD left it.
    func check(_ call: CNIInvocation) throws(CNIError)
    /// GC: release what no listed attachment holds.
    func gc(_ call: CNIInvocation) throws(CNIError)
    /// STATUS: fail when an ADD could not succeed now.
    func status(_ call: CNIInvocation) throws(CNIError)
}
