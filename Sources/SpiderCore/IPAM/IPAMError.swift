/// Why an IPAM operation failed. Each case has the CNI error code the `spiderpool` plugin
/// returns for it and a message a user can act on.
public enum IPAMError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidContainerID(String)
    case invalidInterfaceName(String)
    /// The Pod's namespace, name or UID (from CNI_ARGS) has control characters or is too long.
    case invalidPodIdentity(key: String)
    case invalidPoolName(String)
    /// No selection rule gave any pool.
    case noPoolSelected(interface: String)
    /// A pool named by a rule does not exist.
    case poolNotFound(String)
    /// The same pool twice in one list.
    case duplicatePool(String, interface: String)
    /// Every candidate pool of a family was filtered out.
    case allPoolsFilteredOut(family: IPFamily, pools: [String], interface: String, reasons: [String])
    /// Every candidate pool of a family is full.
    case poolsExhausted(family: IPFamily, pools: [String], interface: String)
    /// A requested fixed address lies in no candidate pool.
    case fixedAddressOutsidePools(IPAddress, pools: [String])
    /// A requested fixed address is held by another attachment.
    case fixedAddressTaken(IPAddress, pool: String, holder: String)
    /// A requested fixed address is excluded or reserved.
    case fixedAddressUnavailable(IPAddress, pool: String, reason: String)
    /// A malformed pool choice in CNI args (`ipam.spidernet.io/ippool(s)` values).
    case invalidPoolChoice(String)
    /// The pool cannot be deleted while it holds allocations.
    case poolInUse(String, allocated: Int)
    /// The `store` setting is malformed (a bad `etcd://` address or TLS file).
    case invalidStore(String)
    /// The store failed (I/O, permissions, a corrupt file).
    case store(String)
    /// A stored document cannot be read; the other pools keep working.
    case unreadableDocument(UnreadableDocument)
    /// The store is busy or unreachable; the caller may retry.
    case storeUnavailable(String)
    /// A manifest was refused.
    case manifest(ManifestError)

    public var description: String {
        switch self {
        case .invalidContainerID(let id):
            "invalid container ID '\(id)': it must start with a letter or digit and contain only letters, digits, '_', '.' and '-'"
        case .invalidInterfaceName(let name):
            "invalid interface name '\(name)': 1 to 15 characters, no '/', ':' or spaces, not '.' or '..'"
        case .invalidPodIdentity(let key):
            "invalid \(key) in CNI_ARGS: at most 253 characters and no control characters (newlines, escape sequences)"
        case .invalidPoolName(let name):
            "invalid pool name '\(name)': pool names are lowercase RFC 1123 subdomains"
        case .noPoolSelected(let interface):
            "no IPPool available for \(interface), no pool selection rules of any type are specified (set default_ipv4_ippool/default_ipv6_ippool, a pool annotation, or a pool with default: true)"
        case .poolNotFound(let name): "failed to get original IPPool \(name): not found"
        case .duplicatePool(let name, let interface): "wrong input, duplicate IPPool \(name) specified for NIC \(interface)"
        case .allPoolsFilteredOut(let family, let pools, let interface, let reasons):
            "no IPPool available, all \(family) IPPools \(pools) of \(interface) filtered out: \(reasons)"
        case .poolsExhausted(let family, let pools, let interface):
            "failed to allocate any \(family) IP address to NIC \(interface) from IPPools \(pools): all IP addresses used out"
        case .fixedAddressOutsidePools(let address, let pools):
            "requested IP \(address) is not inside any candidate IPPool \(pools)"
        case .fixedAddressTaken(let address, let pool, let holder):
            "requested IP \(address) of IPPool \(pool) is already allocated to \(holder)"
        case .fixedAddressUnavailable(let address, let pool, let reason):
            "requested IP \(address) of IPPool \(pool) cannot be allocated: \(reason)"
        case .invalidPoolChoice(let reason): "wrong input, invalid pool selection: \(reason)"
        case .poolInUse(let name, let allocated):
            "cannot delete IPPool \(name) with allocated IPs(\(allocated)); release them first or use --force"
        case .invalidStore(let reason): "invalid store setting: \(reason)"
        case .store(let reason): "store error: \(reason)"
        case .unreadableDocument(let document):
            "\(document.kind) \(document.name) is damaged in the store (\(document.reason)): re-apply its manifest, or run `spiderctl store check --repair`"
        case .storeUnavailable(let reason): "store unavailable, try again later: \(reason)"
        case .manifest(let error): error.description
        }
    }
}
