/// What the CNI runtime says about one coordinator call.
public struct CoordinatorInvocation: Sendable, Hashable {
    /// The CNI verbs the coordinator plans for.
    public enum Command: String, Sendable, Hashable, Codable {
        case add = "ADD", del = "DEL", check = "CHECK"
    }

    public var command: Command
    /// `CNI_CONTAINERID`.
    public var containerID: String
    /// `CNI_IFNAME`: the NIC this call is for.
    public var interface: String
    /// Whether the Pod's network namespace still exists (DEL succeeds at once when it does not).
    public var podNamespaceExists: Bool

    public init(command: Command, containerID: String, interface: String, podNamespaceExists: Bool = true) {
        self.command = command
        self.containerID = containerID
        self.interface = interface
        self.podNamespaceExists = podNamespaceExists
    }

    /// The node-side name of the underlay veth: `veth` + the first 11 characters of the
    /// container ID (15 characters, the longest interface name).
    public var hostVethName: String { "veth" + containerID.prefix(11) }
}
