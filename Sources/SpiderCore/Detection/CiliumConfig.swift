/// Cilium's `cilium-config` ConfigMap data, and the overlay Pod CIDRs Spiderpool reads from it.
public struct CiliumConfig: Sendable, Hashable {
    /// The ConfigMap's `data`.
    public var data: [String: String]

    public init(data: [String: String]) { self.data = data }

    /// The overlay Pod CIDRs for Cilium's `ipam` mode:
    /// - `cluster-pool`, `cluster-pool-v2beta`: `cluster-pool-ipv4-cidr` then
    ///   `cluster-pool-ipv6-cidr`, each trimmed and exactly one CIDR of its family (a missing
    ///   key is skipped). Spiderpool does not trim the IPv6 value nor check families; we do.
    /// - `multi-pool`: every CiliumPodIPPool not being deleted, oldest first, IPv4 then IPv6
    ///   CIDRs of each.
    /// - `kubernetes`: `kubernetesPodCIDR` (the cluster's Pod CIDRs).
    /// - Throws: ``DetectionError/unsupportedCiliumIPAMMode(_:)`` for any other mode (or none);
    ///   ``DetectionError/invalidCiliumCIDR(_:)`` for a value that is not one CIDR.
    public func overlayCIDRs(kubernetesPodCIDR: [String], podIPPools: [CiliumPodIPPool]) throws(DetectionError) -> [String] {
        let mode = data["ipam"] ?? ""
        switch mode {
        case "cluster-pool", "cluster-pool-v2beta":
            var result: [String] = []
            for (key, family) in [("cluster-pool-ipv4-cidr", IPFamily.v4), ("cluster-pool-ipv6-cidr", IPFamily.v6)] {
                guard let raw = data[key] else { continue }
                let value = raw.goTrimmed
                guard let network = IPNetwork(value) else { throw .invalidCiliumCIDR(value) }
                guard network.family == family else { throw .ciliumCIDRWrongFamily(key: key, value: value, expected: family) }
                result.append(value)
            }
            return result
        case "multi-pool":
            return podIPPools.liveInCreationOrder.flatMap { $0.ipv4CIDRs + $0.ipv6CIDRs }
        case "kubernetes":
            return kubernetesPodCIDR
        default:
            throw .unsupportedCiliumIPAMMode(mode)
        }
    }
}
