/// The coordinator's decision for one CNI call: an ordered list of operations, each tagged with
/// its namespace and a reason, and the decisions behind them. A plan is a value;
/// ``NamespacePair/applying(_:)`` simulates it and SpiderNetlink executes it.
///
/// Two plans are equal when their operations are, and ``isEmpty`` means "no operation":
/// ``decisions`` explain a plan, they do not change what it does. A second ADD that finds
/// everything in place still explains itself, yet its plan is empty and equal to `RoutePlan()`;
/// golden and idempotence checks compare what runs, not how it is worded.
public struct RoutePlan: Sendable, Hashable {
    /// The operations, in the order they must run.
    public var operations: [PlannedOperation]
    /// What the planner decided without an operation to show it (mode, first or later NIC,
    /// policy table, default route, skipped steps, what was in place, what DEL leaves), in the
    /// order it decided.
    public var decisions: [PlanDecision]

    /// A plan of `operations`, with `decisions` explaining it.
    public init(_ operations: [PlannedOperation] = [], decisions: [PlanDecision] = []) {
        self.operations = operations
        self.decisions = decisions
    }

    /// Whether the plan changes nothing.
    public var isEmpty: Bool { operations.isEmpty }

    public static func == (lhs: RoutePlan, rhs: RoutePlan) -> Bool { lhs.operations == rhs.operations }

    public func hash(into hasher: inout Hasher) { hasher.combine(operations) }

    /// The operations of one namespace, in order.
    public func operations(in namespace: NamespaceRole) -> [PlannedOperation] {
        operations.filter { $0.namespace == namespace }
    }
}
