/// The Pod's namespace and the node's, together: the world one coordinator call changes.
public struct NamespacePair: Sendable, Hashable {
    public var pod: NetworkState
    public var node: NetworkState

    public init(pod: NetworkState, node: NetworkState) {
        self.pod = pod
        self.node = node
    }

    /// The state of one namespace.
    public subscript(role: NamespaceRole) -> NetworkState {
        get { role == .pod ? pod : node }
        set { if role == .pod { pod = newValue } else { node = newValue } }
    }

    /// The two namespaces after `plan`, simulated with the kernel semantics that matter to the
    /// coordinator (see ``PlanSimulator``).
    ///
    /// - Throws: ``SimulationError`` for the first operation the kernel would refuse.
    public func applying(_ plan: RoutePlan) throws(SimulationError) -> NamespacePair {
        var result = self
        for (index, operation) in plan.operations.enumerated() {
            do {
                try PlanSimulator.apply(operation.action, in: operation.namespace, to: &result)
            } catch let reason {
                throw SimulationError(index: index, operation: operation, reason: reason)
            }
        }
        return result
    }
}

extension NetworkState {
    /// This namespace after the operations of `plan` that target `role` (a veth peer that
    /// would land in the other namespace is left out).
    public func applying(_ plan: RoutePlan, as role: NamespaceRole) throws(SimulationError) -> NetworkState {
        var pair = NamespacePair(pod: role == .pod ? self : NetworkState(), node: role == .node ? self : NetworkState())
        for (index, operation) in plan.operations.enumerated() where operation.namespace == role {
            do {
                try PlanSimulator.apply(operation.action, in: role, to: &pair)
            } catch let reason {
                throw SimulationError(index: index, operation: operation, reason: reason)
            }
        }
        return pair[role]
    }
}

/// An operation the kernel would refuse.
public struct SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The position of the operation in the plan.
    public var index: Int
    public var operation: PlannedOperation
    public var reason: Reason

    public enum Reason: Error, Sendable, Hashable, CustomStringConvertible {
        /// `EEXIST`: the object is already there.
        case exists(String)
        /// `ENOENT` / `ENODEV`: the object or a device it needs is missing.
        case notFound(String)

        public var description: String {
            switch self {
            case .exists(let what): "file exists: \(what)"
            case .notFound(let what): "not found: \(what)"
            }
        }
    }

    public var description: String {
        "operation \(index + 1) [\(operation.namespace)] \(operation.action.commandLine().joined(separator: " ")): \(reason)"
    }
}
