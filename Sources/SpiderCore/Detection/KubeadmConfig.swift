/// The `kube-system/kubeadm-config` ConfigMap's data, and the cluster CIDRs Spiderpool reads
/// from it (`utils.ExtractK8sCIDRFromKubeadmConfigMap`).
public struct KubeadmConfig: Sendable, Hashable {
    /// The data key that holds kubeadm's `ClusterConfiguration`.
    public static let clusterConfigurationKey = "ClusterConfiguration"

    /// The ConfigMap's `data`.
    public var data: [String: String]

    public init(data: [String: String]) { self.data = data }

    /// The Pod and Service CIDRs of `data.ClusterConfiguration`.
    ///
    /// Like Spiderpool, the text is not parsed as YAML: the first `podSubnet:` and the first
    /// `serviceSubnet:` anywhere are used, the value is the next run of non-space characters
    /// (after skipping white space, newlines included), split on `,`; each piece is trimmed and
    /// kept verbatim if it is a CIDR. No CIDR found is not an error.
    /// - Throws: ``DetectionError/kubeadmConfigWithoutClusterConfiguration`` without that key.
    public func clusterCIDRs() throws(DetectionError) -> ClusterCIDRs {
        guard let text = data[KubeadmConfig.clusterConfigurationKey] else { throw .kubeadmConfigWithoutClusterConfiguration }
        return KubeadmConfig.clusterCIDRs(clusterConfiguration: text)
    }

    /// The CIDRs of a `ClusterConfiguration` text (see ``clusterCIDRs()``).
    public static func clusterCIDRs(clusterConfiguration text: String) -> ClusterCIDRs {
        ClusterCIDRs(
            podCIDR: value(after: "podSubnet:", in: text).map { ClusterCIDRs.cidrs(inCommaList: $0, trim: true) } ?? [],
            serviceCIDR: value(after: "serviceSubnet:", in: text).map { ClusterCIDRs.cidrs(inCommaList: $0, trim: true) } ?? []
        )
    }

    /// Go's `key\s*(\S+)`, first match: the non-space run after `key` and optional white space.
    static func value(after key: String, in text: String) -> String? {
        let bytes = Array(text.utf8)
        let pattern = Array(key.utf8)
        guard bytes.count >= pattern.count else { return nil }
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0C, 0x0D]
        var start = 0
        while start + pattern.count <= bytes.count {
            if bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
                var index = start + pattern.count
                while index < bytes.count, space.contains(bytes[index]) { index += 1 }
                let valueStart = index
                while index < bytes.count, !space.contains(bytes[index]) { index += 1 }
                // A key with nothing after it does not match; Go would look for a later one.
                if index > valueStart { return String(decoding: bytes[valueStart..<index], as: UTF8.self) }
            }
            start += 1
        }
        return nil
    }
}
