import SpiderCore

/// The `CNI_*` environment of one invocation, validated as the spec requires before any value
/// is used in a path or a name.
public struct CNIEnvironment: Sendable {
    public enum Command: String, Sendable { case add = "ADD", del = "DEL", check = "CHECK", version = "VERSION", status = "STATUS", gc = "GC" }

    public var command: Command
    public var containerID: String
    public var netns: String
    public var interface: String
    /// `CNI_ARGS` as key/value pairs.
    public var args: [String: String]
    public var path: [String]
    /// `SPIDERPOOL_NODE_NAME` when set and not empty: the node the call runs on (the agent
    /// receives it from the plugin; a plugin process without it uses its host name).
    public var nodeName: String?

    /// Reads and validates the environment.
    /// - Parameter environment: the process environment.
    /// - Throws: ``CNIError`` 4 for a missing or invalid variable, an unknown `CNI_ARGS` key
    ///   without `IgnoreUnknown`, or a malformed pair.
    public init(_ environment: [String: String]) throws(CNIError) {
        try self.init(lookup: { environment[$0] })
    }

    /// Reads and validates the environment, one variable at a time (the CNI binary reads them
    /// with `getenv`: no dictionary of the whole environment at start-up).
    /// - Parameter environment: the value of a variable, or `nil`.
    /// - Throws: ``CNIError`` 4 for a missing or invalid variable, an unknown `CNI_ARGS` key
    ///   without `IgnoreUnknown`, or a malformed pair.
    public init(lookup environment: (String) -> String?) throws(CNIError) {
        guard let text = environment("CNI_COMMAND"), let command = Command(rawValue: text) else {
            throw CNIError(code: CNIError.invalidEnvironment, "invalid CNI_COMMAND", details: environment("CNI_COMMAND") ?? "not set")
        }
        self.command = command
        containerID = environment("CNI_CONTAINERID") ?? ""
        netns = environment("CNI_NETNS") ?? ""
        interface = environment("CNI_IFNAME") ?? ""
        path = (environment("CNI_PATH") ?? "").split(separator: ":").map(String.init)
        nodeName = environment("SPIDERPOOL_NODE_NAME").flatMap { $0.isEmpty ? nil : $0 }
        args = [:]
        if command == .add || command == .del || command == .check {
            guard Attachment.isValidContainerID(containerID) else {
                throw CNIError(code: CNIError.invalidEnvironment, "invalid CNI_CONTAINERID", details: "'\(containerID)': it must start with a letter or digit and contain only letters, digits, '_', '.' and '-'")
            }
            guard CoordinatorConfig.isValidInterfaceName(interface) else {
                throw CNIError(code: CNIError.invalidEnvironment, "invalid CNI_IFNAME", details: "'\(interface)': 1 to 15 characters, no '/', ':' or spaces, not '.' or '..'")
            }
            if command != .del && netns.isEmpty {
                throw CNIError(code: CNIError.invalidEnvironment, "CNI_NETNS is required for \(command.rawValue)")
            }
        }
        args = try CNIEnvironment.parseArgs(environment("CNI_ARGS") ?? "")
    }

    /// The CNI_ARGS keys we read; others need `IgnoreUnknown`.
    static let knownArgs: Set<String> = ["IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_UID",
                                         "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_NETWORK", "IP"]

    static func parseArgs(_ text: String) throws(CNIError) -> [String: String] {
        var result: [String: String] = [:]
        guard !text.isEmpty else { return result }
        for pair in text.split(separator: ";", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CNIError(code: CNIError.invalidEnvironment, "invalid CNI_ARGS", details: "'\(pair)' is not KEY=VALUE")
            }
            result[String(parts[0])] = String(parts[1])
        }
        let ignoreUnknown = ["1", "true"].contains((result["IgnoreUnknown"] ?? "").lowercased())
        if !ignoreUnknown, let unknown = result.keys.sorted().first(where: { !knownArgs.contains($0) }) {
            throw CNIError(code: CNIError.invalidEnvironment, "invalid CNI_ARGS", details: "unknown key '\(unknown)' (add IgnoreUnknown=1)")
        }
        return result
    }
}
