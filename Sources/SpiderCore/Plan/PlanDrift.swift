/// How a live Pod differs from what the coordinator would make of it: the operations an ADD
/// would apply now, sorted into what is missing, what is extra and what is set differently,
/// each with the planner's reason. Empty when the Pod is in sync.
public struct PlanDrift: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Something the plan adds: a rule, route, neighbour, address or link the Pod lacks.
        case missing
        /// Something the plan deletes: it is there and should not be.
        case extra
        /// Something the plan sets: a sysctl, a MAC, an MTU or a link state that differs.
        case differs
    }

    public struct Item: Sendable, Hashable {
        public var kind: Kind
        public var namespace: NamespaceRole
        /// The change as an `ip`/`sysctl`/`iptables` command line.
        public var command: String
        public var reason: String
    }

    public var items: [Item]

    /// Whether the live Pod is what the coordinator would make of it.
    public var inSync: Bool { items.isEmpty }

    /// The drift an ADD plan computed from the live state describes.
    public init(plan: RoutePlan) {
        items = plan.operations.map { operation in
            Item(kind: PlanDrift.kind(of: operation.action), namespace: operation.namespace,
                 command: operation.action.commandLine().joined(separator: " "), reason: operation.reason)
        }
    }

    static func kind(of action: PlanAction) -> Kind {
        switch action {
        case .deleteLink, .deleteRoute, .deleteNexthop, .deleteRule, .deleteNeighbour: .extra
        case .setLinkUp, .setLinkMAC, .setLinkMTU, .setLinkTxQueueLength, .setLinkAlias, .setSysctl: .differs
        case .addVethPair, .addAddress, .addRoute, .addRule, .addNeighbour, .appendFirewallRule: .missing
        }
    }
}
