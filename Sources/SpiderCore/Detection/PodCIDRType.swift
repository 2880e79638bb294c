/// `spec.podCIDRType` of a SpiderCoordinator: where the overlay Pod CIDRs come from.
public enum PodCIDRType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Resolve from the node's default CNI configuration (see ``init(cniNetworkName:)``).
    case auto
    /// The cluster's Pod CIDR (kubeadm-config or kube-controller-manager `--cluster-cidr`).
    case cluster
    /// The enabled Calico IPPools.
    case calico
    /// Cilium's IPAM (cluster-pool, multi-pool or kubernetes mode).
    case cilium
    /// No overlay Pod CIDR.
    case none

    /// Parses a podCIDRType, with an error that lists the supported values.
    public init(parsing text: String) throws(DetectionError) {
        guard let value = PodCIDRType(rawValue: text) else { throw .unsupportedPodCIDRType(text) }
        self = value
    }

    /// What `auto` resolves to for the default CNI network's **name** (not its plugin type):
    /// `calico` and `k8s-pod-network` → calico, `cilium` → cilium, `flannel` → cluster,
    /// anything else (including "" and flannel's usual `cbr0`) → none.
    public init(cniNetworkName name: String) {
        switch name {
        case "calico", "k8s-pod-network": self = .calico
        case "cilium": self = .cilium
        case "flannel": self = .cluster
        default: self = .none
        }
    }

    public var description: String { rawValue }
}
