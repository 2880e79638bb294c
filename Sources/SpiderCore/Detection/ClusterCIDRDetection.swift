/// The outcome of ``ClusterCIDRDetector/detect()``: the status to write, and what a person
/// should know about it.
public struct ClusterCIDRDetection: Sendable, Hashable {
    /// The SpiderCoordinator status.
    public var status: CoordinatorStatus
    /// What `podCIDRType` resolved to (`auto` resolved through the CNI directory); `nil` when
    /// the resolution itself failed.
    public var resolvedPodCIDRType: PodCIDRType?
    /// Why the status is NotReady, with ``DetectionError/advice``; `nil` when Synced.
    public var error: DetectionError?
    /// Things that did not stop detection but matter: disabled Calico pools left out, a
    /// kubeadm-config that could not be used, the default CNI file chosen.
    public var notes: [String]

    public init(status: CoordinatorStatus, resolvedPodCIDRType: PodCIDRType?, error: DetectionError? = nil, notes: [String] = []) {
        self.status = status
        self.resolvedPodCIDRType = resolvedPodCIDRType
        self.error = error
        self.notes = notes
    }
}
