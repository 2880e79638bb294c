/// Computes a SpiderCoordinator's status from the cluster's objects, in the exact order of
/// Spiderpool's controller (`updatePodAndServerCIDR`); see `spec/detection.md` §A.3.
///
/// Pure: every input is a value (SpiderYAML's `DetectionSources` builds them from files).
public struct ClusterCIDRDetector: Sendable {
    /// `spec.podCIDRType`.
    public var podCIDRType: PodCIDRType
    /// For `auto`: the default CNI network (`nil` when the directory is missing or has no
    /// candidate file, which resolves to `none`), or the error loading it.
    public var defaultCNI: Result<DefaultCNI?, DetectionError>
    /// `kube-system/kubeadm-config`'s data; `nil` when the ConfigMap does not exist.
    public var kubeadmConfig: KubeadmConfig?
    /// The first kube-controller-manager Pod (`component=kube-controller-manager`); `nil` when
    /// there is none, or the error reading it.
    public var controllerManager: Result<ControllerManagerArguments?, DetectionError>
    /// Accept `--cluster-cidr VALUE` (two elements) as well; Spiderpool does not.
    public var controllerManagerSeparateValues: Bool
    /// The Calico IPPools, or the error listing them (for example the CRD is missing).
    public var calicoIPPools: Result<[CalicoIPPool], DetectionError>
    /// `SPIDERPOOL_CILIUM_CONFIGMAP_NAMESPACE_NAME`.
    public var ciliumConfigMapNamespaceName: String
    /// The `cilium-config` data; `nil` when the ConfigMap does not exist.
    public var ciliumConfig: CiliumConfig?
    /// The CiliumPodIPPools; `nil` when the CiliumPodIPPool API is not available (Spiderpool
    /// then refuses every Cilium IPAM mode).
    public var ciliumPodIPPools: [CiliumPodIPPool]?
    /// The ServiceCIDR objects; `nil` when the ServiceCIDR API is not served.
    public var serviceCIDRs: [KubernetesServiceCIDR]?
    /// The status before this reconcile (Calico and Cilium failures keep its serviceCIDR).
    public var previousStatus: CoordinatorStatus?

    public init(
        podCIDRType: PodCIDRType,
        defaultCNI: Result<DefaultCNI?, DetectionError> = .success(nil),
        kubeadmConfig: KubeadmConfig? = nil,
        controllerManager: Result<ControllerManagerArguments?, DetectionError> = .success(nil),
        controllerManagerSeparateValues: Bool = false,
        calicoIPPools: Result<[CalicoIPPool], DetectionError> = .success([]),
        ciliumConfigMapNamespaceName: String = "kube-system/cilium-config",
        ciliumConfig: CiliumConfig? = nil,
        ciliumPodIPPools: [CiliumPodIPPool]? = nil,
        serviceCIDRs: [KubernetesServiceCIDR]? = nil,
        previousStatus: CoordinatorStatus? = nil
    ) {
        self.podCIDRType = podCIDRType
        self.defaultCNI = defaultCNI
        self.kubeadmConfig = kubeadmConfig
        self.controllerManager = controllerManager
        self.controllerManagerSeparateValues = controllerManagerSeparateValues
        self.calicoIPPools = calicoIPPools
        self.ciliumConfigMapNamespaceName = ciliumConfigMapNamespaceName
        self.ciliumConfig = ciliumConfig
        self.ciliumPodIPPools = ciliumPodIPPools
        self.serviceCIDRs = serviceCIDRs
        self.previousStatus = previousStatus
    }

    /// One reconcile: phase `Synced` with the overlay Pod and Service CIDRs, or `NotReady`
    /// with the reason.
    public func detect() -> ClusterCIDRDetection {
        var notes: [String] = []
        let previousService = previousStatus?.serviceCIDR ?? []
        func notReady(_ error: DetectionError, type: PodCIDRType?, service: [String] = []) -> ClusterCIDRDetection {
            ClusterCIDRDetection(status: CoordinatorStatus(phase: CoordinatorStatus.notReady, reason: error.description, serviceCIDR: service),
                                 resolvedPodCIDRType: type, error: error, notes: notes)
        }

        // 1. Resolve auto.
        var type = podCIDRType
        if type == .auto {
            switch defaultCNI {
            case .failure(let error): return notReady(error, type: nil)
            case .success(let cni):
                type = cni?.podCIDRType ?? .none
                if let cni {
                    notes.append("podCIDRType auto: default CNI \(cni.path) (network \"\(cni.networkName)\") → \(type)")
                } else {
                    notes.append("podCIDRType auto: no default CNI configuration file → none")
                }
            }
        }

        // 2. The cluster's CIDRs: kubeadm-config, else (or if incomplete) kube-controller-manager.
        var k8s = ClusterCIDRs()
        if let kubeadmConfig {
            do { k8s = try kubeadmConfig.clusterCIDRs() } catch { notes.append("kubeadm-config: \(error.description)") }
        }
        if !k8s.isComplete {
            switch controllerManager {
            case .failure(let error): return notReady(error, type: type)
            case .success(nil): return notReady(.noControllerManagerPod, type: type)
            case .success(let pod?):
                if kubeadmConfig != nil {
                    notes.append("kubeadm-config lacks podSubnet or serviceSubnet: both CIDRs come from kube-controller-manager \(pod.podName)")
                }
                k8s = pod.clusterCIDRs(separateValues: controllerManagerSeparateValues)
            }
        }

        // 3. The overlay Pod CIDRs.
        let overlay: [String]
        switch type {
        case .cluster, .auto: overlay = k8s.podCIDR
        case .none: overlay = []
        case .calico:
            switch calicoIPPools {
            case .failure(let error): return notReady(error, type: type, service: previousService)
            case .success(let pools):
                let result = CalicoIPPool.overlayCIDRs(pools)
                notes += result.notes
                overlay = result.cidrs
            }
        case .cilium:
            do { overlay = try ciliumOverlay(kubernetesPodCIDR: k8s.podCIDR) } catch {
                return notReady(error, type: type, service: previousService)
            }
        }

        // 4. The Service CIDRs.
        let service = serviceCIDRs.map { $0.liveInCreationOrder.flatMap(\.cidrs) } ?? k8s.serviceCIDR
        return ClusterCIDRDetection(status: CoordinatorStatus(phase: CoordinatorStatus.synced, overlayPodCIDR: overlay, serviceCIDR: service),
                                    resolvedPodCIDRType: type, notes: notes)
    }

    /// §A.4.4: the preconditions in Spiderpool's order, then the IPAM mode.
    func ciliumOverlay(kubernetesPodCIDR: [String]) throws(DetectionError) -> [String] {
        let parts = ciliumConfigMapNamespaceName.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidCiliumConfigMapName(ciliumConfigMapNamespaceName) }
        guard let pools = ciliumPodIPPools else { throw .ciliumMultiPoolUnavailable }
        guard let ciliumConfig else { throw .ciliumConfigNotFound(name: String(parts[1])) }
        return try ciliumConfig.overlayCIDRs(kubernetesPodCIDR: kubernetesPodCIDR, podIPPools: pools)
    }
}
