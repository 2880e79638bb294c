/// A namespace printed the way scenarios and the verifier compare it: rules, tables,
/// neighbours, mangle rules, one line each.
public struct NamespaceView: Sendable {
    public var state: NetworkState

    public init(_ state: NetworkState) { self.state = state }

    /// `ip rule` lines of one family, default rules left out.
    public func rules(_ family: IPFamily) -> [String] { state.rules(family: family).map(\.description) }

    /// The table's name as scenarios write it: `main`, or its number.
    public static func tableName(_ table: RouteTable) -> String { table == .main ? "main" : String(table.rawValue) }

    /// `ip route show table N` lines of one family and table.
    public func table(_ table: RouteTable, _ family: IPFamily) -> [String] {
        state.routes(table: table, family: family).map { route in
            var shown = route
            shown.table = .main
            return shown.description
        }
    }

    /// Every table of a family that holds routes, by name.
    public func tables(_ family: IPFamily) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: state.tables(family: family).map { (NamespaceView.tableName($0), table($0, family)) })
    }

    /// PERMANENT neighbour entries.
    public var neighbours: [String] { state.neighbours.filter { $0.state == "PERMANENT" }.map(\.description) }

    /// The mangle rules of a family.
    public func mangle(_ family: IPFamily) -> [String] {
        state.firewallRules.filter { $0.family == family && $0.table == "mangle" }.map(\.specification)
    }

    /// A line diff: `-` expected only, `+` actual only, `  ` both (in order).
    public static func diff(_ want: [String], _ have: [String]) -> String {
        var lines: [String] = []
        for line in want { lines.append((have.contains(line) ? "    " : "  - ") + line) }
        for line in have where !want.contains(line) { lines.append("  + " + line) }
        if Set(want) == Set(have) { lines.append("  (same lines, different order; got: \(have.joined(separator: " | ")))") }
        return lines.joined(separator: "\n")
    }
}
