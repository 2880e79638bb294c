/// Why cluster CIDR detection could not produce a Synced SpiderCoordinator status, or why an
/// input document could not be read.
///
/// ``description`` is the text Spiderpool puts in `status.reason` (kept verbatim where
/// Spiderpool's text is known); ``advice`` says what to do about it.
public enum DetectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kubeadm-config ConfigMap has no `ClusterConfiguration` key.
    case kubeadmConfigWithoutClusterConfiguration
    /// kubeadm-config gave no complete pair of CIDRs and there is no kube-controller-manager Pod.
    case noControllerManagerPod
    /// The kube-controller-manager Pod has no containers to read flags from.
    case controllerManagerWithoutContainers(pod: String)
    /// The default CNI file (a `.conflist`) is not a valid configuration list.
    case invalidCNIConfigList(path: String, detail: String)
    /// The default CNI file (a `.conf`) is not a valid configuration.
    case invalidCNIConfig(path: String, detail: String)
    /// Calico IPPools could not be listed (for example the CRD is not installed); the text verbatim.
    case calicoIPPoolsUnavailable(String)
    /// `SPIDERPOOL_CILIUM_CONFIGMAP_NAMESPACE_NAME` is not `namespace/name`.
    case invalidCiliumConfigMapName(String)
    /// The CiliumPodIPPool API (`ciliumpodippools.cilium.io`) is not available.
    case ciliumMultiPoolUnavailable
    /// The `cilium-config` ConfigMap does not exist.
    case ciliumConfigNotFound(name: String)
    /// A `cluster-pool-ipv4-cidr` / `cluster-pool-ipv6-cidr` value is not one CIDR.
    case invalidCiliumCIDR(String)
    /// A `cluster-pool-ipv4-cidr` / `cluster-pool-ipv6-cidr` value is a CIDR of the other family.
    case ciliumCIDRWrongFamily(key: String, value: String, expected: IPFamily)
    /// `cilium-config` `ipam` is not cluster-pool, cluster-pool-v2beta, multi-pool or kubernetes.
    case unsupportedCiliumIPAMMode(String)
    /// `spec.podCIDRType` is not auto, cluster, calico, cilium or none.
    case unsupportedPodCIDRType(String)
    /// A file could not be read.
    case unreadable(path: String, detail: String)
    /// A text is not YAML/JSON.
    case malformed(source: String, detail: String)
    /// A document is not of the kind expected.
    case unexpectedDocument(source: String, expected: String, found: String)
    /// A field of a document is missing or has the wrong type or value.
    case invalidField(source: String, field: String, detail: String)

    public var description: String {
        switch self {
        case .kubeadmConfigWithoutClusterConfiguration: "unable to get kubeadm configmap ClusterConfiguration"
        case .noControllerManagerPod: "No kube-controller-manager pod found, unable to get clusterCIDR"
        case .controllerManagerWithoutContainers(let pod): "kube-controller-manager pod \(pod) has no containers, unable to get clusterCIDR"
        case .invalidCNIConfigList(let path, let detail): "error loading CNI conflist file \(path): error parsing configuration list: \(detail)"
        case .invalidCNIConfig(let path, let detail): "error loading CNI config file \(path): error parsing configuration: \(detail)"
        case .calicoIPPoolsUnavailable(let detail): detail
        case .invalidCiliumConfigMapName(let value):
            "invalid ENV SPIDERPOOL_CILIUM_CONFIGMAP_NAMESPACE_NAME: \(value), unable parse cilium-config configMap"
        case .ciliumMultiPoolUnavailable: "the cilium multi-pool feature is unavailable"
        case .ciliumConfigNotFound(let name): "configmap \"\(name)\" not found"
        case .invalidCiliumCIDR(let value): "invalid CIDR address: \(value)"
        case .ciliumCIDRWrongFamily(let key, let value, let expected): "cilium-config \(key): \(value) is not an \(expected) CIDR"
        case .unsupportedCiliumIPAMMode(let mode): "unsupported CIlium IPAM mode: \(mode)"
        case .unsupportedPodCIDRType(let value):
            "unsupported podCIDRType \"\(value)\": supported values: \"auto\", \"cluster\", \"calico\", \"cilium\", \"none\""
        case .unreadable(let path, let detail): "cannot read \(path): \(detail)"
        case .malformed(let source, let detail): "\(source): not a valid YAML/JSON document: \(detail)"
        case .unexpectedDocument(let source, let expected, let found): "\(source): expected \(expected), found \(found)"
        case .invalidField(let source, let field, let detail): "\(source): \(field): \(detail)"
        }
    }

    /// What a person can do about it, or `nil` when the message says it all.
    public var advice: String? {
        switch self {
        case .kubeadmConfigWithoutClusterConfiguration:
            "the kubeadm-config ConfigMap must have data.ClusterConfiguration with networking.podSubnet and networking.serviceSubnet"
        case .noControllerManagerPod, .controllerManagerWithoutContainers:
            "provide the kubeadm-config ConfigMap with networking.podSubnet and networking.serviceSubnet, or the kube-controller-manager Pod (/etc/kubernetes/manifests/kube-controller-manager.yaml) with --cluster-cidr and --service-cluster-ip-range"
        case .invalidCNIConfigList, .invalidCNIConfig:
            "fix or remove the default CNI configuration file, or set podCIDRType explicitly instead of auto"
        case .calicoIPPoolsUnavailable:
            "install Calico (the ippools.crd.projectcalico.org CRD) or choose another podCIDRType"
        case .invalidCiliumConfigMapName: "set SPIDERPOOL_CILIUM_CONFIGMAP_NAMESPACE_NAME to namespace/name, for example kube-system/cilium-config"
        case .ciliumMultiPoolUnavailable:
            "the CiliumPodIPPool CRD (ciliumpodippools.cilium.io) must exist and the default CNI must be cilium when the controller starts"
        case .ciliumConfigNotFound: "install Cilium first (its cilium-config ConfigMap holds the IPAM mode and pod CIDRs)"
        case .invalidCiliumCIDR, .ciliumCIDRWrongFamily:
            "cluster-pool-ipv4-cidr and cluster-pool-ipv6-cidr must each hold one CIDR of their family"
        case .unsupportedCiliumIPAMMode: "cilium-config ipam must be cluster-pool, cluster-pool-v2beta, multi-pool or kubernetes; otherwise use podCIDRType none or cluster"
        case .unsupportedPodCIDRType: "use auto, cluster, calico, cilium or none"
        case .unreadable, .malformed, .unexpectedDocument, .invalidField: nil
        }
    }
}
