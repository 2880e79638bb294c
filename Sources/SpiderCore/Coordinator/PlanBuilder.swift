/// Builds a plan step by step against a working copy of the namespaces, so that each step sees
/// what the earlier ones did, and so that nothing already in place is planned again.
struct PlanBuilder {
    var world: NamespacePair
    var plan = RoutePlan()

    init(world: NamespacePair) { self.world = world }

    /// Records a decision next to the operations.
    mutating func decide(_ kind: PlanDecision.Kind, _ reason: String) {
        plan.decisions.append(PlanDecision(kind, reason))
    }

    /// Adds an operation and applies it to the working copy.
    mutating func emit(_ namespace: NamespaceRole, _ action: PlanAction, _ reason: String) throws(CoordinatorError) {
        do {
            try PlanSimulator.apply(action, in: namespace, to: &world)
        } catch {
            throw .inconsistentPlan("[\(namespace)] \(action.commandLine().joined(separator: " ")): \(error)")
        }
        plan.operations.append(PlannedOperation(namespace, action, reason: reason))
    }

    /// Adds the route unless a route with the same key is there (the kernel would refuse it;
    /// Spiderpool leaves the existing one in place).
    mutating func ensureRoute(_ namespace: NamespaceRole, _ route: Route, _ reason: String) throws(CoordinatorError) {
        guard !world[namespace].routes.contains(where: { PlanSimulator.sameSlot($0, route) }) else { return }
        try emit(namespace, .addRoute(route), reason)
    }

    /// Adds the rule unless one with the same selector and table is there (with the same
    /// priority when the rule names one).
    mutating func ensureRule(_ namespace: NamespaceRole, _ rule: RoutingRule, _ reason: String) throws(CoordinatorError) {
        let exists = world[namespace].rules.contains {
            PlanSimulator.sameSelector($0, rule) && (rule.priority == nil || $0.priority == rule.priority)
        }
        guard !exists else { return }
        try emit(namespace, .addRule(rule), reason)
    }

    /// Makes the neighbour entry exactly so: kept if equal, replaced if it differs.
    mutating func ensureNeighbour(_ namespace: NamespaceRole, _ neighbour: Neighbour, _ reason: String) throws(CoordinatorError) {
        if let existing = world[namespace].neighbours.first(where: { $0.address == neighbour.address && $0.device == neighbour.device }) {
            if existing.lladdr == neighbour.lladdr && existing.state == neighbour.state { return }
            try emit(namespace, .deleteNeighbour(existing), "replace a stale entry for \(neighbour.address)")
        }
        try emit(namespace, .addNeighbour(neighbour), reason)
    }

    /// Writes the sysctl unless it already has the value.
    mutating func ensureSysctl(_ namespace: NamespaceRole, _ key: String, _ value: String, _ reason: String) throws(CoordinatorError) {
        guard world[namespace].sysctls[key] != value else { return }
        try emit(namespace, .setSysctl(key: key, value: value), reason)
    }
}
