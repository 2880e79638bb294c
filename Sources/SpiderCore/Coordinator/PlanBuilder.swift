/// Builds a plan step by step against a working copy of the namespaces, so that each step sees
/// what the earlier ones did, and so that nothing already in place is planned again.
struct PlanBuilder {
    var world: NamespacePair
    var plan = RoutePlan()
    /// What the working copy already held, counted by sort and said in one decision at the end.
    var inPlace = InPlace()

    init(world: NamespacePair) { self.world = world }

    /// Counts of items left as they were because they were already as planned.
    struct InPlace {
        enum Sort { case route, rule, neighbour, sysctl, link, firewallRule, address }

        var routes = 0, rules = 0, neighbours = 0, sysctls = 0, links = 0, firewallRules = 0, addresses = 0

        mutating func count(_ sort: Sort) {
            switch sort {
            case .route: routes += 1
            case .rule: rules += 1
            case .neighbour: neighbours += 1
            case .sysctl: sysctls += 1
            case .link: links += 1
            case .firewallRule: firewallRules += 1
            case .address: addresses += 1
            }
        }

        /// `9 routes, 1 rule, …`, or nil when nothing was in place.
        var summary: String? {
            var parts: [String] = []
            func add(_ n: Int, _ one: String, _ many: String) { if n > 0 { parts.append("\(n) \(n == 1 ? one : many)") } }
            add(routes, "route", "routes")
            add(rules, "rule", "rules")
            add(neighbours, "neighbour", "neighbours")
            add(sysctls, "sysctl", "sysctls")
            add(links, "link setting", "link settings")
            add(firewallRules, "firewall rule", "firewall rules")
            add(addresses, "address", "addresses")
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        }
    }

    /// Records a decision next to the operations.
    mutating func decide(_ kind: PlanDecision.Kind, _ reason: String) {
        plan.decisions.append(PlanDecision(kind, reason))
    }

    /// The plan, with what was already in place said last.
    mutating func finish() -> RoutePlan {
        if let summary = inPlace.summary {
            decide(.inPlace, "already as wanted, so not planned: \(summary)")
        }
        return plan
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

    /// Adds an operation unless the working copy refuses it; a refused one is recorded as a
    /// skipped step and the plan goes on (DEL cleans up what it can).
    mutating func emitUnlessRefused(_ namespace: NamespaceRole, _ action: PlanAction, _ reason: String) {
        do throws(CoordinatorError) {
            try emit(namespace, action, reason)
        } catch {
            decide(.skipped, "\(reason), but the observed state refuses it: \(error)")
        }
    }

    /// Adds the route unless a route with the same key is there (the kernel would refuse it;
    /// Spiderpool leaves the existing one in place).
    mutating func ensureRoute(_ namespace: NamespaceRole, _ route: Route, _ reason: String) throws(CoordinatorError) {
        guard !world[namespace].routes.contains(where: { PlanSimulator.sameSlot($0, route) }) else { return inPlace.count(.route) }
        try emit(namespace, .addRoute(route), reason)
    }

    /// Whether a rule with the same selector and table is there (with the same priority when
    /// `rule` names one).
    func hasRule(_ namespace: NamespaceRole, _ rule: RoutingRule) -> Bool {
        world[namespace].rules.contains {
            PlanSimulator.sameSelector($0, rule) && (rule.priority == nil || $0.priority == rule.priority)
        }
    }

    /// Adds the rule unless ``hasRule(_:_:)``.
    mutating func ensureRule(_ namespace: NamespaceRole, _ rule: RoutingRule, _ reason: String) throws(CoordinatorError) {
        guard !hasRule(namespace, rule) else { return inPlace.count(.rule) }
        try emit(namespace, .addRule(rule), reason)
    }

    /// Makes the neighbour entry exactly so: kept if equal, replaced if it differs.
    mutating func ensureNeighbour(_ namespace: NamespaceRole, _ neighbour: Neighbour, _ reason: String) throws(CoordinatorError) {
        if let existing = world[namespace].neighbours.first(where: { $0.address == neighbour.address && $0.device == neighbour.device }) {
            if existing.lladdr == neighbour.lladdr && existing.state == neighbour.state { return inPlace.count(.neighbour) }
            try emit(namespace, .deleteNeighbour(existing), "replace a stale entry for \(neighbour.address)")
        }
        try emit(namespace, .addNeighbour(neighbour), reason)
    }

    /// Writes the sysctl unless it already has the value.
    mutating func ensureSysctl(_ namespace: NamespaceRole, _ key: String, _ value: String, _ reason: String) throws(CoordinatorError) {
        guard world[namespace].sysctls[key] != value else { return inPlace.count(.sysctl) }
        try emit(namespace, .setSysctl(key: key, value: value), reason)
    }
}
