/// Spiderpool's admission rules for SpiderIPPool: the mutating defaults and the validating
/// checks on create, update and delete, with the webhook's messages.
public enum IPPoolWebhook {
    /// What the checks may consult besides the pool itself.
    public struct Context: Sendable {
        /// The pools already stored (for name clashes and overlaps).
        public var existingPools: [SpiderIPPool] = []
        public var enableIPv4 = true
        public var enableIPv6 = true
        /// With SpiderSubnet: the `ips` of the subnet that owns the pool, if any
        /// (`nil`: no owner; an empty list with ``ownerSubnetMissing``: the owner is gone).
        public var ownerSubnetIPs: [String]?
        /// With SpiderSubnet: the pool names an owner subnet that does not exist.
        public var ownerSubnetMissing = false
        /// For an auto-created pool: the IPs its subnet's status assigns to it.
        public var controlledIPs: [String]?
        /// `enableValidatingResourcesDeletedWebhook`: refuse deleting pools in use.
        public var protectDeletion = false

        public init() {}
    }

    public static let finalizer = "spiderpool.spidernet.io"
    static let autoPoolLabel = "ipam.spidernet.io/owner-application-name"
    static let autoPoolAffinityKeys: Set<String> = [
        "ipam.spidernet.io/app-api-group", "ipam.spidernet.io/app-api-version", "ipam.spidernet.io/app-kind",
        "ipam.spidernet.io/app-namespace", "ipam.spidernet.io/app-name",
    ]

    // MARK: Defaults

    /// The mutating webhook: finalizer, `ipVersion` from the subnet, the CIDR label, and merged
    /// `ips`/`excludeIPs` (when there is more than one entry and they are valid). It never
    /// refuses; what it cannot fix is left for validation.
    public static func defaulted(_ pool: SpiderIPPool) -> SpiderIPPool {
        var result = pool
        var finalizers = (pool.document["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !finalizers.contains(finalizer) { finalizers.append(finalizer) }
        result.document.set(["metadata", "finalizers"], .strings(finalizers))
        if result.ipVersion == nil {
            guard let network = IPNetwork(pool.subnet) else { return result }
            result.ipVersion = network.family.rawValue
        }
        guard let family = try? IPFamily(version: result.ipVersion ?? 0) else { return result }
        if let label = try? IPNetwork.labelValue(pool.subnet, family: family) { result.labels[SpiderIPPool.cidrLabel] = label }
        if pool.ips.count > 1, let merged = merge(pool.ips, family) { result.ips = merged }
        if pool.excludeIPs.count > 1, let merged = merge(pool.excludeIPs, family) { result.excludeIPs = merged }
        return result
    }

    static func merge(_ texts: [String], _ family: IPFamily) -> [String]? {
        var ranges: [IPRange] = []
        for text in texts {
            guard let range = try? IPRange(validating: text, family: family) else { return nil }
            ranges.append(range)
        }
        return IPRangeSet(ranges).ranges.map(\.description)
    }

    // MARK: Create

    /// The validating webhook on create.
    /// - Throws: ``ManifestError`` (`invalid`, `forbidden` or `alreadyExists`) for the first rule broken.
    public static func validateCreate(_ pool: SpiderIPPool, context: Context = Context()) throws(ManifestError) {
        let family = try checkVersion(pool, context)
        let subnet = try checkSubnet(pool, family)
        for other in context.existingPools where other.name == pool.name {
            throw .alreadyExists(kind: SpiderIPPool.kind, name: pool.name)
        }
        for other in context.existingPools where other.subnet != pool.subnet && other.ipVersion.map({ $0 == family.rawValue }) ?? true {
            if let otherSubnet = IPNetwork(other.subnet), otherSubnet.family == family, otherSubnet.overlaps(subnet) {
                throw invalid(pool, "spec.subnet", "overlap with IPPool \(other.name) which 'spec.subnet' is \(other.subnet)")
            }
        }
        try checkSpec(pool, family, subnet, context)
        try checkAffinity(pool)
        try checkOwnerSubnet(pool, family, context)
    }

    // MARK: Update

    /// The validating webhook on update: `ipVersion` and `subnet` are immutable, addresses in use
    /// must stay in the pool, and the create checks of the spec apply again.
    /// - Parameters:
    ///   - old: the stored pool.
    ///   - pool: the pool as it would be stored.
    ///   - allocated: the addresses in use, with who holds them (`ns/name`).
    ///   - context: the other stored pools and what the checks need to know of the cluster.
    public static func validateUpdate(old: SpiderIPPool, new pool: SpiderIPPool, allocated: [IPAddress: String] = [:],
                                      context: Context = Context()) throws(ManifestError) {
        if pool.document["metadata"]?["deletionTimestamp"].map({ !$0.isNull }) ?? false {
            let finalizers = (pool.document["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard !finalizers.contains(finalizer) else { throw forbidden(pool, "metadata", "cannot update a terminating IPPool") }
            return
        }
        if let oldVersion = old.ipVersion, let newVersion = pool.ipVersion, oldVersion != newVersion {
            throw forbidden(pool, "spec.ipVersion", "is not changeable")
        }
        if old.subnet != pool.subnet { throw forbidden(pool, "spec.subnet", "is not changeable") }
        let family = try checkVersion(pool, context)
        let subnet = try checkSubnet(pool, family)
        var others = context
        others.existingPools.removeAll { $0.name == pool.name }
        try checkSpec(pool, family, subnet, others)
        try checkAffinity(pool)
        let space = try addressSpace(pool)
        for (address, holder) in allocated.sorted(by: { $0.key < $1.key }) where !space.effective.contains(address) {
            throw forbidden(pool, "spec.ips", "remove an IP address \(address) that is being used by Pod \(holder), total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'")
        }
        try checkOwnerSubnet(pool, family, context)
    }

    // MARK: Delete

    /// The validating webhook on delete (only when deletion protection is on).
    public static func validateDelete(_ pool: SpiderIPPool, allocatedCount: Int, context: Context = Context()) throws(ManifestError) {
        guard context.protectDeletion, allocatedCount > 0 else { return }
        throw forbidden(pool, "status.allocatedIPCount", "cannot delete an IPPool with allocated IPs(\(allocatedCount))")
    }

    // MARK: Rules

    static func invalid(_ pool: SpiderIPPool, _ field: String, _ reason: String) -> ManifestError {
        .invalid(kind: SpiderIPPool.kind, name: pool.name, field: field, reason: reason)
    }

    static func forbidden(_ pool: SpiderIPPool, _ field: String, _ reason: String) -> ManifestError {
        .forbidden(kind: SpiderIPPool.kind, name: pool.name, field: field, reason: reason)
    }

    static func checkVersion(_ pool: SpiderIPPool, _ context: Context) throws(ManifestError) -> IPFamily {
        guard let version = pool.ipVersion else {
            throw invalid(pool, "spec.ipVersion", "is not generated correctly, 'spec.subnet' may be invalid")
        }
        guard let family = IPFamily(rawValue: version) else {
            throw invalid(pool, "spec.ipVersion", "Unsupported value: \(version): supported values: \"4\", \"6\"")
        }
        if family == .v4 && !context.enableIPv4 { throw forbidden(pool, "spec.ipVersion", "IPv4 is disabled") }
        if family == .v6 && !context.enableIPv6 { throw forbidden(pool, "spec.ipVersion", "IPv6 is disabled") }
        return family
    }

    static func checkSubnet(_ pool: SpiderIPPool, _ family: IPFamily) throws(ManifestError) -> IPNetwork {
        let network: IPNetwork
        do {
            _ = try IPNetwork.parse(pool.subnet, family: family)
            network = try IPNetwork.parseNetworkForm(pool.subnet)
        } catch {
            throw invalid(pool, "spec.subnet", error.description)
        }
        // Not in Spiderpool: a subnet of loopback, multicast or "this network" addresses has
        // nothing a Pod may hold (such addresses are never handed out from any pool).
        if IPRangeSet.unassignable.contains(network.range) {
            throw invalid(pool, "spec.subnet", "\(pool.subnet) is an unspecified, loopback, multicast or broadcast network: no address in it can be assigned to a Pod")
        }
        return network
    }

    static func addressSpace(_ pool: SpiderIPPool) throws(ManifestError) -> PoolAddressSpace {
        do {
            return try PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs)
        } catch {
            throw invalid(pool, "spec.ips", error.description)
        }
    }

    static func checkSpec(_ pool: SpiderIPPool, _ family: IPFamily, _ subnet: IPNetwork, _ context: Context) throws(ManifestError) {
        let space = try addressSpace(pool)
        let label = try? IPNetwork.labelValue(pool.subnet, family: family)
        // Spiderpool compares with the pools that carry the same CIDR label (every stored pool has it).
        for other in context.existingPools where other.name != pool.name && label != nil && other.labels[SpiderIPPool.cidrLabel] == label {
            let otherSpace: PoolAddressSpace
            do {
                otherSpace = try PoolAddressSpace(subnet: other.subnet, ips: other.ips, excludeIPs: other.excludeIPs)
            } catch {
                throw invalid(pool, "spec.ips", "IPPool \(other.name) with the same subnet is invalid: \(error)")
            }
            let shared = otherSpace.effective.intersection(space.effective)
            if !shared.isEmpty {
                throw forbidden(pool, "spec.ips", "overlap with IPPool \(other.name) in IP ranges \(shared.ranges.map(\.description)), total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'")
            }
        }
        try checkOtherGateways(pool, family, space, context)
        if let text = pool.gateway {
            guard let gateway = IPAddress(text, family: family) else {
                throw invalid(pool, "spec.gateway", AddressError.invalidIPFormat(text, family).description)
            }
            guard subnet.contains(gateway) else { throw invalid(pool, "spec.gateway", "'\(text)' does not pertain to subnet '\(pool.subnet)'") }
            if space.listed.contains(gateway) && !space.excluded.contains(gateway) {
                throw invalid(pool, "spec.ips", "conflicts with 'spec.gateway' \(text), add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'")
            }
        }
        var destinations: Set<String> = []
        for (index, route) in pool.routes.enumerated() {
            let field = "spec.routes[\(index)]"
            if route.dst == (family == .v4 ? "0.0.0.0/0" : "::/0") {
                throw invalid(pool, field + ".dst", "please specify 'spec.gateway' to configure the default route")
            }
            guard destinations.insert(route.dst).inserted else { throw invalid(pool, field + ".dst", "duplicate route with the same dst \(route.dst)") }
            let parsed: PoolRoute
            do { parsed = try PoolRoute(dst: route.dst, gw: route.gw, family: family) } catch { throw invalid(pool, field, error.description) }
            guard subnet.contains(parsed.gw) else { throw invalid(pool, field + ".gw", "'\(route.gw)' does not pertain to subnet '\(pool.subnet)'") }
        }
    }

    /// Not in Spiderpool: a pool must not hand out an address that another pool names as its
    /// gateway (`spec.gateway` or a route's `gw`), nor name as its gateway an address another
    /// pool hands out. A Pod holding a gateway's address captures the traffic of every Pod and
    /// node that routes via it.
    static func checkOtherGateways(_ pool: SpiderIPPool, _ family: IPFamily, _ space: PoolAddressSpace, _ context: Context) throws(ManifestError) {
        let ownGateways = ([pool.gateway].compactMap { $0 } + pool.routes.map(\.gw)).compactMap { IPAddress($0, family: family) }
        for other in context.existingPools where other.name != pool.name {
            for text in [other.gateway].compactMap({ $0 }) + other.routes.map(\.gw) {
                guard let gateway = IPAddress(text, family: family), space.effective.contains(gateway) else { continue }
                throw invalid(pool, "spec.ips", "contains \(gateway), the gateway of IPPool \(other.name): add it to 'spec.excludeIPs' or remove it from 'spec.ips'")
            }
            guard !ownGateways.isEmpty, let otherSpace = try? PoolAddressSpace(subnet: other.subnet, ips: other.ips, excludeIPs: other.excludeIPs) else { continue }
            for gateway in ownGateways where otherSpace.effective.contains(gateway) {
                throw invalid(pool, "spec.gateway", "\(gateway) is an address IPPool \(other.name) hands out: exclude it there first")
            }
        }
    }

    static func checkAffinity(_ pool: SpiderIPPool) throws(ManifestError) {
        guard let affinity = pool.podAffinity else { return }
        if pool.labels[autoPoolLabel] != nil {
            guard affinity.matchExpressions.isEmpty, Set(affinity.matchLabels.keys).isSubset(of: autoPoolAffinityKeys) else {
                throw invalid(pool, "spec.podAffinity", "it's invalid to change the podAffinity of an auto-created IPPool: only the matchLabels \(autoPoolAffinityKeys.sorted()) are allowed")
            }
        } else if affinity.isEmpty {
            throw invalid(pool, "spec.podAffinity", "empty podAffinity is invalid for SpiderIPPool")
        }
    }

    static func checkOwnerSubnet(_ pool: SpiderIPPool, _ family: IPFamily, _ context: Context) throws(ManifestError) {
        if context.ownerSubnetMissing { throw invalid(pool, "metadata.ownerReferences", "the controller Subnet of IPPool \(pool.name) does not exist") }
        guard let subnetIPs = context.ownerSubnetIPs, !pool.ips.isEmpty else { return }
        let space = try addressSpace(pool)
        let subnetTotal: IPRangeSet
        do { subnetTotal = try IPRangeSet(parsing: subnetIPs, family: family) } catch { throw invalid(pool, "spec.ips", error.description) }
        let outside = space.effective.subtracting(subnetTotal)
        if !outside.isEmpty {
            throw forbidden(pool, "spec.ips", "add some IP ranges \(outside.ranges.map(\.description)) that are not contained in controller Subnet, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'")
        }
        if pool.labels[autoPoolLabel] != nil, let controlled = context.controlledIPs {
            let wanted = try? IPRangeSet(parsing: controlled, family: family)
            if wanted != space.effective {
                throw forbidden(pool, "spec.ips", "it's illegal to update AutoPool.Spec.IPs that are different from corresponding SpiderSubnet.Status.ControlledIPPools")
            }
        }
    }
}
