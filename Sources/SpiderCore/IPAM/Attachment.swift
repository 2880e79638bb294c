/// One CNI attachment: a container's interface. Allocations belong to attachments; ADD is
/// idempotent per attachment and DEL releases what the attachment holds.
public struct Attachment: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// `CNI_CONTAINERID`.
    public var containerID: String
    /// `CNI_IFNAME`.
    public var interface: String

    /// An attachment, validated as the CNI spec requires: the container ID starts with a letter
    /// or digit and has only letters, digits, `_`, `.` and `-`; the interface name is 1–15
    /// bytes without `/`, `:` or white space and is not `.` or `..`. Both are then safe as file
    /// names.
    public init(containerID: String, interface: String) throws(IPAMError) {
        guard Attachment.isValidContainerID(containerID) else { throw .invalidContainerID(containerID) }
        guard CoordinatorConfig.isValidInterfaceName(interface) else { throw .invalidInterfaceName(interface) }
        self.containerID = containerID
        self.interface = interface
    }

    package init(unchecked containerID: String, _ interface: String) {
        self.containerID = containerID
        self.interface = interface
    }

    public static func isValidContainerID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 1024, LabelSelector.isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { LabelSelector.isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    public var description: String { "\(containerID)/\(interface)" }

    public static func < (lhs: Attachment, rhs: Attachment) -> Bool {
        (lhs.containerID, lhs.interface) < (rhs.containerID, rhs.interface)
    }
}

/// Who holds an address: the attachment and the Pod behind it.
public struct AllocationOwner: Sendable, Hashable, Codable {
    public var containerID: String
    public var interface: String
    public var podNamespace: String
    public var podName: String
    public var podUID: String
    public var node: String

    public init(attachment: Attachment, podNamespace: String = "", podName: String = "", podUID: String = "", node: String = "") {
        containerID = attachment.containerID
        interface = attachment.interface
        self.podNamespace = podNamespace
        self.podName = podName
        self.podUID = podUID
        self.node = node
    }

    public var attachment: Attachment { Attachment(unchecked: containerID, interface) }

    /// The container ID of parked (sticky) records: addresses kept for a Pod between its
    /// incarnations. It cannot clash with a real one, which starts with a letter or digit.
    public static let parkedContainerID = "_sticky"

    /// The container ID given to a record whose owner cannot be read (a damaged file).
    public static let unknownContainerID = "_unknown"

    /// Whether this is a parked record's owner.
    public var isParked: Bool { containerID == AllocationOwner.parkedContainerID }

    /// `namespace/name`, or empty when the Pod is unknown.
    public var pod: String { podNamespace.isEmpty && podName.isEmpty ? "" : "\(podNamespace)/\(podName)" }
}

/// One address held in one pool.
public struct AllocationRecord: Sendable, Hashable {
    public var pool: String
    public var address: IPAddress
    public var owner: AllocationOwner
    /// The stored record could not be read (its bytes are damaged). The address stays held;
    /// ``owner`` is what the ledger could still tell (the owners index), or an unknown owner.
    public var isDamaged: Bool

    public init(pool: String, address: IPAddress, owner: AllocationOwner, isDamaged: Bool = false) {
        self.pool = pool
        self.address = address
        self.owner = owner
        self.isDamaged = isDamaged
    }

    /// The record as ledgers store it: one line of JSON with the pool, the address and every
    /// owner field.
    public var ledgerText: String {
        let value = ManifestValue.object([
            ("pool", .string(pool)), ("ip", .string(address.description)),
            ("containerID", .string(owner.containerID)), ("interface", .string(owner.interface)),
            ("podNamespace", .string(owner.podNamespace)), ("podName", .string(owner.podName)),
            ("podUID", .string(owner.podUID)), ("node", .string(owner.node)),
        ])
        return value.json() + "\n"
    }

    /// The owner in a stored record's text. A damaged record still holds its address, for an
    /// unknown owner that no attachment matches; GC leaves such records alone (they may be a
    /// live Pod's).
    public static func owner(ledgerText text: String) -> AllocationOwner {
        decodedOwner(ledgerText: text) ?? AllocationOwner(attachment: Attachment(unchecked: AllocationOwner.unknownContainerID, "unknown"))
    }

    /// The owner in a stored record's text, or `nil` when the text is not a whole record.
    public static func decodedOwner(ledgerText text: String) -> AllocationOwner? {
        guard let value = JSONReader.parse(text), value.objectValue != nil else { return nil }
        func field(_ key: String) -> String? { value[key]?.stringValue }
        guard let containerID = field("containerID"), let interface = field("interface"), let podNamespace = field("podNamespace"),
              let podName = field("podName"), let podUID = field("podUID"), let node = field("node") else { return nil }
        return AllocationOwner(attachment: Attachment(unchecked: containerID, interface), podNamespace: podNamespace, podName: podName,
                               podUID: podUID, node: node)
    }
}
