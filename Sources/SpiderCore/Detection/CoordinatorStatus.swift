/// The `status` of a SpiderCoordinator: whether the cluster's CIDRs are known, and what they are.
public struct CoordinatorStatus: Sendable, Hashable {
    /// `Synced`.
    public static let synced = "Synced"
    /// `NotReady`: the coordinator plugin refuses to run until this is fixed.
    public static let notReady = "NotReady"

    /// `Synced` or `NotReady`.
    public var phase: String
    /// Why it is NotReady ("" when Synced).
    public var reason: String
    /// The overlay (default CNI) Pod CIDRs.
    public var overlayPodCIDR: [String]
    /// The Service CIDRs.
    public var serviceCIDR: [String]

    public init(phase: String, reason: String = "", overlayPodCIDR: [String] = [], serviceCIDR: [String] = []) {
        self.phase = phase
        self.reason = reason
        self.overlayPodCIDR = overlayPodCIDR
        self.serviceCIDR = serviceCIDR
    }

    /// The phase is `Synced`.
    public var isSynced: Bool { phase == CoordinatorStatus.synced }

    /// The status as a manifest mapping (`phase`, `reason` when not empty, `overlayPodCIDR`,
    /// `serviceCIDR`).
    public var manifestValue: ManifestValue {
        var pairs: [(key: String, value: ManifestValue)] = [("phase", .string(phase))]
        if !reason.isEmpty { pairs.append(("reason", .string(reason))) }
        pairs.append(("overlayPodCIDR", .strings(overlayPodCIDR)))
        pairs.append(("serviceCIDR", .strings(serviceCIDR)))
        return .object(pairs)
    }
}
