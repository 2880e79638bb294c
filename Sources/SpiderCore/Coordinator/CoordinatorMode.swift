/// How the coordinator treats a Pod's interfaces.
public enum CoordinatorMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Underlay if the call is for the first NIC or a `veth0` exists, overlay otherwise.
    case auto
    /// Every NIC is underlay; the first NIC gets a `veth0` pair to the node.
    case underlay
    /// `eth0` belongs to an overlay CNI (Calico, Cilium); the other NICs are underlay.
    case overlay
    /// Do nothing and echo the previous result.
    case disabled

    /// Parses a mode as Spiderpool's CRD (`disabled`) and plugin (`disable`) spell it.
    /// - Throws: ``CoordinatorError/unknownMode(_:)``.
    public init(parsing text: String) throws(CoordinatorError) {
        switch text {
        case "auto": self = .auto
        case "underlay": self = .underlay
        case "overlay": self = .overlay
        case "disable", "disabled": self = .disabled
        default: throw .unknownMode(text)
        }
    }
}
