import SpiderCore

/// Compares namespaces as observed with what a plan should have made of them.
public enum PlanVerifier {
    /// Observes both namespaces again and lists every difference from `expected` (normally
    /// `before.applying(plan)`): rules and tables of both families, PERMANENT neighbours, and
    /// the sysctls `expected` names. IPv6 link-local routes, which the kernel adds on its own
    /// when a link comes up, are left out.
    ///
    /// - Parameters:
    ///   - expected: what the namespaces should hold.
    ///   - pod: the Pod's namespace.
    ///   - node: the node's namespace.
    ///   - session: workers to reuse (the executor's, say); `nil` starts its own.
    public static func verify(expected: NamespacePair, pod: NetworkNamespace, node: NetworkNamespace = .current,
                              session: NamespaceSession? = nil) throws(NetlinkError) -> [String] {
        let actual = try NetworkObserver.observe(pod: pod, node: node, routeGet: false, session: session)
        return differences(expected: expected, actual: actual)
    }

    public static func differences(expected: NamespacePair, actual: NamespacePair) -> [String] {
        var problems: [String] = []
        for role in NamespaceRole.allCases {
            let want = comparable(expected[role]), have = comparable(actual[role])
            let wantView = NamespaceView(want), haveView = NamespaceView(have)
            for family in IPFamily.allCases {
                let label = family == .v4 ? "" : " (IPv6)"
                if wantView.rules(family) != haveView.rules(family) {
                    problems.append("\(role) rules\(label):\n" + NamespaceView.diff(wantView.rules(family), haveView.rules(family)))
                }
                let tables = Set(want.tables(family: family) + have.tables(family: family)).sorted { $0.rawValue < $1.rawValue }
                for table in tables where wantView.table(table, family) != haveView.table(table, family) {
                    problems.append("\(role) table \(NamespaceView.tableName(table))\(label):\n"
                        + NamespaceView.diff(wantView.table(table, family), haveView.table(table, family)))
                }
            }
            if Set(wantView.neighbours) != Set(haveView.neighbours) {
                problems.append("\(role) neighbours:\n" + NamespaceView.diff(wantView.neighbours.sorted(), haveView.neighbours.sorted()))
            }
            for (key, value) in want.sysctls.sorted(by: { $0.key < $1.key }) where have.sysctls[key] != nil && have.sysctls[key] != value {
                problems.append("\(role) sysctl \(key): expected \(value), found \(have.sysctls[key] ?? "unset")")
            }
        }
        return problems
    }

    /// The state without what the kernel manages by itself: IPv6 link-local prefixes.
    static func comparable(_ state: NetworkState) -> NetworkState {
        var result = state
        result.routes.removeAll { route in
            route.family == .v6 && route.destination.prefixLength == 64 && route.destination.first.value >> 64 == 0xfe80_0000_0000_0000
        }
        return result
    }
}
