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
    /// container ID (15 characters, the longest interface name). Used when no other link has
    /// it; see ``alternateHostVethName``.
    public var hostVethName: String { "veth" + containerID.prefix(11) }

    /// The name used when ``hostVethName`` belongs to another attachment (container IDs that
    /// share their first 11 characters): `veth` + 11 hex digits of a hash of the container ID
    /// and the interface, stable for the same attachment.
    public var alternateHostVethName: String {
        let hash = CoordinatorInvocation.fnv1a(containerID + "/" + interface)
        let hex = String(hash >> 20, radix: 16)
        return "veth" + String(repeating: "0", count: max(0, 11 - hex.count)) + hex
    }

    /// The prefix of every ownership mark.
    public static let ownerMarkPrefix = "spiderpool:"

    /// The alias (`IFLA_IFALIAS`) the coordinator gives the node end of the underlay veth it
    /// creates: `spiderpool:CONTAINERID:IFNAME`. DEL finds the link by it, and no call changes
    /// or deletes a link whose mark names another container. (A container ID longer than 200
    /// bytes is shortened to its first 180 bytes and a hash, to stay within the kernel's
    /// 255-byte alias.)
    public var ownerMark: String { CoordinatorInvocation.ownerMarkPrefix + markedContainerID + ":" + interface }

    /// The container ID as the mark writes it.
    var markedContainerID: String {
        guard containerID.utf8.count > 200 else { return containerID }
        return String(containerID.prefix(180)) + "~" + String(CoordinatorInvocation.fnv1a(containerID), radix: 16)
    }

    /// Whether a link's alias marks it as this container's (whatever the interface).
    public func marksThisContainer(_ alias: String?) -> Bool {
        alias?.hasPrefix(CoordinatorInvocation.ownerMarkPrefix + markedContainerID + ":") == true
    }

    /// 64-bit FNV-1a of the text's UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
