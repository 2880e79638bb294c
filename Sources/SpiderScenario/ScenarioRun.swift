import SpiderCNI
import SpiderCore

/// A scenario played through the planner and the simulator, with what differs from its
/// expectation.
public struct ScenarioRun: Sendable {
    public var scenario: CoordinatorScenario
    /// The resolved configuration, when it was valid.
    public var config: CoordinatorConfig?
    /// The plan, when the call was accepted.
    public var plan: RoutePlan?
    /// The namespaces after the plan.
    public var after: NamespacePair?
    /// Why the call was refused, or why the plan could not be simulated.
    public var failure: Failure?

    public enum Failure: Sendable, Hashable, CustomStringConvertible {
        case refused(CoordinatorError)
        case simulation(SimulationError)

        public var description: String {
            switch self {
            case .refused(let error): "refused (code \(CNIError.code(for: error))): \(error)"
            case .simulation(let error): "the plan fails in the simulator: \(error)"
            }
        }
    }

    /// Plans the scenario's call and simulates the plan.
    public init(_ scenario: CoordinatorScenario) {
        self.scenario = scenario
        do {
            let config = try CoordinatorConfig(netConf: scenario.netConf)
            self.config = config
            let plan = try CoordinatorPlanner(config: config).plan(scenario.before, scenario.invocation)
            self.plan = plan
            do { after = try scenario.before.applying(plan) } catch { failure = .simulation(error) }
        } catch {
            failure = .refused(error)
        }
    }

    /// Every way the outcome differs from the expectation, one line each; empty when it holds.
    public var differences: [String] {
        switch scenario.expectation {
        case .error(let code, let contains):
            guard case .refused(let error)? = failure else {
                return ["expected an error with code \(code) containing \"\(contains)\", but the call " + (failure.map { "\($0)" } ?? "succeeded")]
            }
            var problems: [String] = []
            if CNIError.code(for: error) != code { problems.append("expected error code \(code), got \(CNIError.code(for: error)): \(error)") }
            if !error.description.contains(contains) { problems.append("expected the error to contain \"\(contains)\", got \"\(error)\"") }
            return problems
        case .state(let pod, let node, _):
            if let failure { return ["expected success, but the call was \(failure)"] }
            guard let after else { return ["no after-state"] }
            return (pod.map { NamespaceView(after.pod).differences(from: $0, role: .pod) } ?? [])
                + (node.map { NamespaceView(after.node).differences(from: $0, role: .node) } ?? [])
        }
    }
}

/// What scenarios expect of a namespace, compared with the view of its state.
extension NamespaceView {
    /// How this namespace differs from `expected`, one line each.
    public func differences(from expected: NamespaceExpectation, role: NamespaceRole) -> [String] {
        var problems: [String] = []
        func compare(_ what: String, _ want: [String], _ have: [String]) {
            guard want != have else { return }
            problems.append("\(role) \(what):\n" + NamespaceView.diff(want, have))
        }
        for family in IPFamily.allCases {
            let label = family == .v4 ? "" : " (IPv6)"
            if let want = expected.rules[family] { compare("rules\(label)", want, rules(family)) }
            for (name, want) in (expected.tables[family] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let table = RouteTable(name) else { problems.append("\(role): no such table '\(name)'"); continue }
                compare("table \(name)\(label)", want, self.table(table, family))
            }
            if let want = expected.mangle[family] { compare("mangle\(label)", want, mangle(family)) }
        }
        if let want = expected.neighbours, !NamespaceView.sameNeighbours(want, neighbours) {
            compare("neighbours", want.sorted(), neighbours.sorted())
        }
        for (key, value) in (expected.sysctls ?? [:]).sorted(by: { $0.key < $1.key }) where state.sysctls[key] != value {
            problems.append("\(role) sysctl \(key): expected \(value), got \(state.sysctls[key] ?? "unset")")
        }
        for want in expected.links ?? [] {
            problems += linkDifferences(want, role: role)
        }
        return problems
    }

    func linkDifferences(_ want: LinkExpectation, role: NamespaceRole) -> [String] {
        guard let link = state.link(named: want.name) else { return ["\(role): link \(want.name) is missing"] }
        var problems: [String] = []
        let prefix = "\(role) link \(want.name)"
        if let kind = want.kind, kind != link.kind.description { problems.append("\(prefix): kind \(link.kind), expected \(kind)") }
        if let mac = want.mac {
            let matches = mac == "<random>" ? link.mac != nil : link.mac?.description == mac
            if !matches { problems.append("\(prefix): MAC \(link.mac?.description ?? "none"), expected \(mac)") }
        }
        if let mtu = want.mtu, mtu != link.mtu { problems.append("\(prefix): MTU \(link.mtu), expected \(mtu)") }
        if let flags = want.flags, Set(flags) != Set(link.flags.names) {
            problems.append("\(prefix): flags \(link.flags.names), expected \(flags)")
        }
        if let addresses = want.addresses {
            let have = state.addresses.filter { $0.device == want.name && !NamespaceView.isIPv6LinkLocal($0.address.address) }.map(\.description)
            if have != addresses { problems.append("\(prefix): addresses \(have), expected \(addresses)") }
        }
        return problems
    }

    static func isIPv6LinkLocal(_ address: IPAddress) -> Bool {
        if case .v6(let v6) = address { return v6.value >> 118 == 0x3FA }
        return false
    }

    /// Neighbour lists as sets, where `lladdr <random>` matches any MAC.
    static func sameNeighbours(_ want: [String], _ have: [String]) -> Bool {
        guard want.count == have.count else { return false }
        var remaining = have.compactMap { try? Neighbour(parsing: $0) }
        for line in want {
            guard let expected = try? Neighbour(parsing: line),
                  let index = remaining.firstIndex(where: { actual in
                      actual.address == expected.address && actual.device == expected.device && actual.state == expected.state
                          && (expected.randomMAC ? actual.lladdr != nil : actual.lladdr == expected.lladdr)
                  })
            else { return false }
            remaining.remove(at: index)
        }
        return true
    }
}
