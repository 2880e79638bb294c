/// Why the coordinator refused a call. Every case carries the CNI error code the plugin
/// returns: 7 (invalid network config) when the fix is a change to the configuration, either a
/// bad value or a value that does not fit this Pod; 999 for a failure at run time.
///
/// A refused call changes nothing: the planner decides everything before anything is executed.
public enum CoordinatorError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownMode(String)
    case invalidCIDR(field: String, value: String)
    case invalidPolicyRouteDestination(String)
    case invalidPolicyRouteGateway(String)
    case policyRouteFamilyMismatch(destination: String, gateway: String)
    /// A policy route's gateway is not on a subnet of the NIC it goes through.
    case policyRouteGatewayUnreachable(destination: IPNetwork, gateway: IPAddress, interface: String)
    case invalidMACPrefix(String)
    case invalidRPFilter(Int)
    case invalidVethMTU(Int)
    case invalidTxQueueLength(Int)
    /// A `detectOptions` value out of range or unreadable.
    case invalidDetectOption(String)
    case invalidHostRuleTable(Int)
    case invalidVethLinkAddress(String)
    case invalidInterfaceName(field: String, value: String)
    /// The configuration could not be decoded (wrong JSON type of a field).
    case undecodableConfig(String)
    /// Overlay mode asked for the Pod's first NIC.
    case overlayOnFirstInterface(interface: String, firstInterface: String)
    /// Overlay mode asked after an underlay NIC created `veth0`.
    case overlayAfterUnderlay(interface: String)
    /// Underlay mode asked for a later NIC, but the first NIC made no `veth0`.
    case underlayWithoutVeth(interface: String, firstInterface: String)
    /// `podDefaultRouteNic` names a NIC the Pod does not have.
    case defaultRouteInterfaceMissing(String)
    /// The first NIC (`podDefaultCniNic`) the overlay mode relies on is missing.
    case firstInterfaceMissing(String)
    /// `CNI_IFNAME` names no link in the Pod.
    case interfaceNotFound(String)
    /// `CNI_IFNAME` has no address the coordinator can route.
    case noUsableAddresses(String)
    /// The node has no route to a Pod address, so no node address faces the Pod.
    case noNodeRouteToPod(IPAddress)
    /// The node-side peer of the Pod's first NIC was not found.
    case hostInterfaceNotFound(String)
    /// An operation of the plan would fail against the observed state (a bug or a race).
    case inconsistentPlan(String)
    /// Both names the underlay veth could take belong to other attachments' links.
    case hostVethNamesTaken([String])
    /// `hostRuleTable` holds a route the coordinator did not put there.
    case hostRuleTableInUse(table: UInt32, route: String)
    /// A Pod address is one the node uses itself (its own address, or a gateway of its routes).
    case podAddressUsedByNode(address: IPAddress, use: String)

    public var description: String {
        switch self {
        case .unknownMode(let mode):
            "unknown tuneMode: \(mode) (expected auto, underlay, overlay, disable or disabled)"
        case .invalidCIDR(let field, let value):
            "invalid CIDR address: \(value) (in \(field))"
        case .invalidPolicyRouteDestination(let dst):
            "invalid route dst \"\(dst)\" in policyRoutes: expected an IP address or CIDR"
        case .invalidPolicyRouteGateway(let gw):
            "invalid route gw \"\(gw)\" in policyRoutes: expected an IP address"
        case .policyRouteFamilyMismatch(let dst, let gw):
            "route dst \"\(dst)\" and gw \"\(gw)\" must use the same IP family"
        case .policyRouteGatewayUnreachable(let dst, let gw, let nic):
            "failed to AddRoute for configured route \(dst) via \(gw): the gateway \(gw) is not on a subnet of \(nic)"
        case .invalidMACPrefix(let prefix):
            "mac_prefix format should be match regex: [a-fA-F0-9][02468aceACE]:[a-fA-F0-9]{2}, like '0a:1b' (two hex bytes joined by ':', the first even so the MAC stays unicast); got '\(prefix)'"
        case .invalidRPFilter(let value):
            "invalid rp_filter value \(value), available options: [-1,0,1,2]"
        case .invalidVethMTU(let value):
            value <= 0 ? "vethMTU must be greater than 0 (got \(value))"
                : value < 68 ? "vethMTU must be at least 68, the smallest MTU a veth takes (got \(value))"
                : "vethMTU must be at most 65535 (got \(value))"
        case .invalidTxQueueLength(let value):
            "txQueueLen must not be negative (got \(value))"
        case .invalidDetectOption(let reason):
            reason
        case .invalidHostRuleTable(let value):
            "hostRuleTable \(value) is not usable: pick a table from 1 to 4294967295 other than 253, 254 and 255"
        case .invalidVethLinkAddress(let value):
            "vethLinkAddress '\(value)' must be an IPv4 address"
        case .invalidInterfaceName(let field, let value):
            "\(field) '\(value)' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)"
        case .undecodableConfig(let reason):
            "failed to parse config: \(reason)"
        case .overlayOnFirstInterface(let interface, let first):
            "when creating interface \(interface) in overlay mode, it detects that the current interface is first interface named \(first), this plugin should not work for it. please modify in the CNI configuration"
        case .overlayAfterUnderlay(let interface):
            "when creating interface \(interface) in overlay mode, it detects that the auxiliary interface veth0 of underlay mode exists. It seems that the previous interface work in underlay mode"
        case .underlayWithoutVeth(let interface, let first):
            "when creating interface \(interface) in underlay mode, it detects that the auxiliary interface \(first) was not created by previous interface. please enable coordinator plugin in previous interface"
        case .defaultRouteInterfaceMissing(let name):
            "podDefaultRouteNIC: \(name) don't exist in pod"
        case .firstInterfaceMissing(let name):
            "the Pod has no interface \(name) (podDefaultCniNic), which overlay mode routes cluster traffic through"
        case .interfaceNotFound(let name):
            "failed to read addresses on \"\(name)\": Link not found"
        case .noUsableAddresses(let name):
            "no usable IP addresses on \"\(name)\""
        case .noNodeRouteToPod(let address):
            "failed to get IPAddressOnNode: the node has no route to pod ip \(address)"
        case .hostInterfaceNotFound(let what):
            "failed to find the node side of the pod's first interface: \(what)"
        case .inconsistentPlan(let what):
            "internal error: the plan does not fit the observed state: \(what)"
        case .hostVethNamesTaken(let names):
            "cannot name the node end of the underlay veth: \(names.joined(separator: " and ")) belong to other Pods' links, which the coordinator never changes; delete the stale one if no Pod uses it"
        case .hostRuleTableInUse(let table, let route):
            "hostRuleTable \(table) already holds a route the coordinator did not put there (\(route)); the rule 'from all lookup \(table)' would send all of the node's traffic through it: pick a table the node does not use"
        case .podAddressUsedByNode(let address, let use):
            "the Pod address \(address) is used by the node: \(use); routing it to the Pod would capture the node's own traffic: exclude it from the pool (spec.excludeIPs)"
        }
    }
}
