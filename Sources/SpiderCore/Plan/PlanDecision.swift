/// A choice the planner made that no single operation shows: how it read the situation (mode,
/// first or later NIC, policy table) or why it left a step out. Recorded next to the
/// operations of a ``RoutePlan``, each with a one-line reason, so that an empty or short plan
/// explains itself.
public struct PlanDecision: Sendable, Hashable, CustomStringConvertible {
    /// What was decided.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Underlay or overlay (or disabled), and why.
        case mode
        /// The first NIC the coordinator sets up in this Pod, or a later one.
        case invocation
        /// The policy routing table of this NIC's replies.
        case policyTable = "policy-table"
        /// A step left out, and why.
        case skipped
        /// What DEL found to undo.
        case cleanup
    }

    /// What was decided.
    public var kind: Kind
    /// One line for people: the decision and its reason.
    public var reason: String

    /// A decision of `kind`, explained by `reason`.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// `mode: underlay (net1 is the first NIC, eth0)`.
    public var description: String { "\(kind.rawValue): \(reason)" }
}
