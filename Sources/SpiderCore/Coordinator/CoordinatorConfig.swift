/// The coordinator's settings for one call, resolved and validated.
///
/// Values come from the CNI configuration; what it leaves out comes from a SpiderCoordinator
/// (passed as `defaults`), then from Spiderpool's defaults (mode `auto`,
/// `tunePodRoutes` true, `hostRuleTable` 500, `podRPFilter` 0, `vethMTU` 1500, first NIC
/// `eth0`). The Pod annotation `ipam.spidernet.io/default-route-nic` fills
/// ``podDefaultRouteNic`` when the CNI configuration does not set it.
public struct CoordinatorConfig: Sendable, Hashable {
    public var mode: CoordinatorMode = .auto
    public var overlayPodCIDR: [IPNetwork] = []
    public var serviceCIDR: [IPNetwork] = []
    public var hijackCIDR: [IPNetwork] = []
    public var policyRoutes: [PolicyRoute] = []
    /// The first two bytes of the MACs to give the tuned NIC (`0x0a1b` for `0a:1b`), or `nil` to
    /// keep its MAC.
    public var podMACPrefix: UInt16?
    public var tunePodRoutes: Bool = true
    /// The NIC that should own the default route, or `nil` for "leave it where it is".
    public var podDefaultRouteNic: String?
    /// The Pod's first NIC (the overlay CNI's in overlay mode).
    public var podDefaultCniNic: String = "eth0"
    public var hostRuleTable: RouteTable = RouteTable(rawValue: 500)
    /// `-1` leaves the Pod's rp_filter alone.
    public var podRPFilter: Int = 0
    /// `0` leaves the NIC's queue length alone.
    public var txQueueLen: Int = 0
    public var vethLinkAddress: IPv4Address?
    public var vethMTU: Int = 1500
    /// IP conflict and gateway detection before the NIC is tuned (off by default).
    public var detection = NeighborDetection()

    public init() {}

    /// Resolves and validates a CNI configuration.
    ///
    /// - Parameters:
    ///   - netConf: the CNI configuration.
    ///   - defaults: what a SpiderCoordinator says, for the keys the CNI configuration leaves out.
    ///   - defaultRouteAnnotation: the Pod's `ipam.spidernet.io/default-route-nic`, if any.
    /// - Throws: ``CoordinatorError`` (a configuration error) for the first bad value, in Spiderpool's order:
    ///   MAC prefix, CIDRs, policy routes, rp_filter, veth MTU, then the rest.
    public init(netConf: CoordinatorNetConf, defaults: CoordinatorNetConf = CoordinatorNetConf(),
                defaultRouteAnnotation: String? = nil) throws(CoordinatorError) {
        // Closures rather than key paths: this runs on every coordinator call, and instantiating
        // key paths at run time costs more than the rest of the resolution.
        func pick<T>(_ key: (CoordinatorNetConf) -> T?) -> T? { key(netConf) ?? key(defaults) }
        func pickList<T>(_ key: (CoordinatorNetConf) -> [T]?) -> [T] {
            if let own = key(netConf), !own.isEmpty { return own }
            return key(defaults) ?? []
        }
        func pickText(_ key: (CoordinatorNetConf) -> String?) -> String? {
            if let text = key(netConf), !text.isEmpty { return text }
            if let text = key(defaults), !text.isEmpty { return text }
            return nil
        }

        if let prefix = pickText({ $0.podMACPrefix }) { podMACPrefix = try CoordinatorConfig.parseMACPrefix(prefix) }
        detection = try NeighborDetection(detectIPConflict: pick({ $0.detectIPConflict }), detectGateway: pick({ $0.detectGateway }),
                                          options: pick({ $0.detectOptions }))
        serviceCIDR = try CoordinatorConfig.networks(pickList({ $0.serviceCIDR }), field: "serviceCIDR")
        overlayPodCIDR = try CoordinatorConfig.networks(pickList({ $0.overlayPodCIDR }), field: "overlayPodCIDR")
        hijackCIDR = try CoordinatorConfig.networks(pickList({ $0.hijackCIDR }), field: "hijackCIDR")
        var routes: [PolicyRoute] = []
        for raw in pickList({ $0.policyRoutes }) { routes.append(try PolicyRoute(dst: raw.dst, gw: raw.gw)) }
        policyRoutes = routes
        if let rp = pick({ $0.podRPFilter }) {
            guard (-1...2).contains(rp) else { throw .invalidRPFilter(rp) }
            podRPFilter = rp
        }
        if let mtu = netConf.vethMTU {
            guard mtu >= 68, mtu <= 65535 else { throw .invalidVethMTU(mtu) }
            vethMTU = mtu
        } else if let mtu = defaults.vethMTU, mtu > 0 {
            guard mtu >= 68, mtu <= 65535 else { throw .invalidVethMTU(mtu) }
            vethMTU = mtu
        }
        if let text = pickText({ $0.mode }) { mode = try CoordinatorMode(parsing: text) }
        if let tune = pick({ $0.tunePodRoutes }) { tunePodRoutes = tune }
        if let length = pick({ $0.txQueueLen }) {
            guard length >= 0 else { throw .invalidTxQueueLength(length) }
            txQueueLen = length
        }
        if let table = netConf.hostRuleTable ?? defaults.hostRuleTable.flatMap({ $0 > 0 ? $0 : nil }) {
            guard table > 0, table <= Int(UInt32.max), !(253...255).contains(table) else { throw .invalidHostRuleTable(table) }
            hostRuleTable = RouteTable(rawValue: UInt32(table))
        }
        if let text = pickText({ $0.vethLinkAddress }) {
            guard let address = IPv4Address(text.trimmingSpaces) else { throw .invalidVethLinkAddress(text) }
            vethLinkAddress = address
        }
        if let first = pickText({ $0.podDefaultCniNic }) {
            guard CoordinatorConfig.isValidInterfaceName(first) else { throw .invalidInterfaceName(field: "podDefaultCniNic", value: first) }
            podDefaultCniNic = first
        }
        // The CNI configuration beats the Pod annotation, which beats the SpiderCoordinator.
        let routeNIC = [netConf.podDefaultRouteNic, defaultRouteAnnotation, defaults.podDefaultRouteNic]
            .compactMap { $0 }.first { !$0.isEmpty }
        if let routeNIC {
            guard CoordinatorConfig.isValidInterfaceName(routeNIC) else { throw .invalidInterfaceName(field: "podDefaultRouteNic", value: routeNIC) }
            podDefaultRouteNic = routeNIC
        }
    }

    /// CIDRs of a config list; a bare IP is a host prefix (as Spiderpool's webhook makes it).
    static func networks(_ texts: [String], field: String) throws(CoordinatorError) -> [IPNetwork] {
        var result: [IPNetwork] = []
        for text in texts {
            guard let network = IPNetwork(hostOrCIDR: text.trimmingSpaces) else { throw .invalidCIDR(field: field, value: text) }
            result.append(network.network)
        }
        return result
    }

    /// `xx:xx` with an even first byte (a unicast, locally meaningful prefix).
    static func parseMACPrefix(_ text: String) throws(CoordinatorError) -> UInt16 {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { throw .invalidMACPrefix(text) }
        var value: UInt16 = 0
        for byte in bytes[0..<2] + bytes[3..<5] {
            guard let digit = IPv6Address.hexValue(byte) else { throw .invalidMACPrefix(text) }
            value = value << 4 | digit
        }
        guard value >> 8 & 0x01 == 0 else { throw .invalidMACPrefix(text) }
        return value
    }

    /// Whether `name` can name a Linux interface: 1–15 bytes, no `/`, `:` or white space.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= 15 && name != "." && name != ".."
            && !bytes.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 32 || $0 == 127 }
    }
}
