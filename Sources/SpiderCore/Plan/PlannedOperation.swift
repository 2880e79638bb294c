/// One step of a ``RoutePlan``: what to do, in which namespace, and why.
public struct PlannedOperation: Sendable, Hashable, CustomStringConvertible {
    /// The namespace the action runs in.
    public var namespace: NamespaceRole
    /// The change.
    public var action: PlanAction
    /// One line for people: why the coordinator does this
    /// (`net1 replies leave by net1: from 10.6.212.145 lookup 101`).
    public var reason: String

    public init(_ namespace: NamespaceRole, _ action: PlanAction, reason: String) {
        self.namespace = namespace
        self.action = action
        self.reason = reason
    }

    /// `[pod] ip rule add from 10.6.212.145 lookup 101  # reason`.
    public var description: String {
        "[\(namespace)] \(action.commandLine().joined(separator: " "))  # \(reason)"
    }
}
