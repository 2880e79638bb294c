/// A choice the planner made that no single operation shows: how it read the situation (mode,
/// first or later NIC, policy table, which NIC keeps the default route) or why it left a step
/// out. Recorded next to the operations of a ``RoutePlan``, each with a one-line reason, so that
/// an empty or short plan explains itself.
///
/// Decisions are for people: `spiderctl plan` prints them as `# decision: KIND: reason` lines
/// and in its JSON. They take no part in a plan's equality (see ``RoutePlan``).
public struct PlanDecision: Sendable, Hashable, CustomStringConvertible {
    /// What was decided. The raw value is the name `spiderctl plan` prints.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Underlay or overlay (or disabled), and why.
        case mode
        /// The first NIC the coordinator sets up in this Pod, or a later one.
        case invocation
        /// The policy routing table of this NIC's replies.
        case policyTable = "policy-table"
        /// Which NIC keeps the Pod's default route in table main, and why.
        case defaultRoute = "default-route"
        /// IP conflict and gateway detection before the steps, and the announcement after them:
        /// where they sit in the ADD and what each outcome does.
        case detection
        /// A step left out, and why (not configured, not this NIC's job, not this family).
        case skipped
        /// What the namespaces already held, so it was not planned again (a retried ADD, a rule
        /// another Pod's ADD made).
        case inPlace = "in-place"
        /// What DEL found to undo, or to leave.
        case cleanup
    }

    /// What was decided.
    public var kind: Kind
    /// One line for people: the decision and its reason.
    public var reason: String

    /// A decision of `kind`, explained by `reason`.
    ///
    /// - Parameters:
    ///   - kind: What was decided.
    ///   - reason: One line for people: the decision and its reason.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The kind's name and the reason: `mode: underlay: mode auto, and eth0 is the first NIC …`.
    public var description: String { "\(kind.rawValue): \(reason)" }
}
