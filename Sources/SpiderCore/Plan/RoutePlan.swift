/// The coordinator's decision for one CNI call: an ordered list of operations, each tagged with
/// its namespace and a reason. A plan is a value; ``NamespacePair/applying(_:)`` simulates it and
/// SpiderNetlink executes it.
public struct RoutePlan: Sendable, Hashable {
    /// The operations, in the order they must run.
    public var operations: [PlannedOperation]

    public init(_ operations: [PlannedOperation] = []) { self.operations = operations }

    /// Whether the plan changes nothing.
    public var isEmpty: Bool { operations.isEmpty }

    /// The operations of one namespace, in order.
    public func operations(in namespace: NamespaceRole) -> [PlannedOperation] {
        operations.filter { $0.namespace == namespace }
    }
}
