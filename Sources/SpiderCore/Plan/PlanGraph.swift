/// The Pod's and the node's interfaces, routing tables and rules as a Graphviz diagram (DOT):
/// each rule points at the table it looks up, each table at the interfaces its routes leave
/// by (the edge lists the destinations), and a veth pair joins the Pod to the node.
/// `dot -Tsvg` turns it into a picture.
public enum PlanGraph {
    /// DOT text for the state of both namespaces (usually the state after a plan).
    public static func dot(_ state: NamespacePair, title: String = "") -> String {
        var lines = ["digraph spiderpool {", "  rankdir=LR;", "  compound=true;",
                     "  node [fontname=\"monospace\", fontsize=10];", "  edge [fontname=\"monospace\", fontsize=9];"]
        if !title.isEmpty { lines.append("  label=\(quoted(title)); labelloc=t;") }
        for role in NamespaceRole.allCases {
            lines += cluster(role, state[role])
        }
        // Veth pairs across the namespaces: a Pod link whose peer is a node link (or the reverse).
        for link in state.pod.links where link.kind == .veth {
            if let peer = link.peer, state.node.links.contains(where: { $0.name == peer }) {
                lines.append("  \(id(.pod, "link", link.name)) -> \(id(.node, "link", peer)) [dir=both, style=dashed, label=\"veth pair\"];")
            } else if let peer = state.node.links.first(where: { $0.kind == .veth && $0.peer == link.name }) {
                lines.append("  \(id(.pod, "link", link.name)) -> \(id(.node, "link", peer.name)) [dir=both, style=dashed, label=\"veth pair\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func cluster(_ role: NamespaceRole, _ state: NetworkState) -> [String] {
        var lines = ["  subgraph cluster_\(role.rawValue) {", "    label=\(quoted(role == .pod ? "Pod" : "node"));", "    style=rounded;"]
        for link in state.links where link.name != "lo" {
            let addresses = state.addresses.filter { $0.device == link.name }.map { $0.address.description }
            let label = (["\(link.name) (\(link.kind))"] + addresses).joined(separator: "\\n")
            lines.append("    \(id(role, "link", link.name)) [shape=ellipse, label=\(quoted(label, escaped: true))];")
        }
        // Tables: every table a route is in, plus main, ordered by ID.
        var tables = Set(state.routes.map(\.table.rawValue))
        tables.insert(RouteTable.main.rawValue)
        tables.remove(RouteTable.local.rawValue)
        for table in tables.sorted() {
            let name = RouteTable(rawValue: table).description
            let routes = state.routes.filter { $0.table.rawValue == table }
            lines.append("    \(id(role, "table", name)) [shape=box, style=filled, fillcolor=\"#eef3fb\", label=\(quoted("table \(name)\\l\(routes.count) route\(routes.count == 1 ? "" : "s")\\l", escaped: true))];")
            for device in Array(Set(routes.compactMap(\.device))).sorted() {
                let destinations = routes.filter { $0.device == device }.map { route in
                    (route.isDefault ? "default" : route.destination.description) + (route.gateway.map { " via \($0)" } ?? "")
                }
                lines.append("    \(id(role, "table", name)) -> \(id(role, "link", device)) [label=\(quoted(destinations.joined(separator: "\\l") + "\\l", escaped: true))];")
            }
        }
        // Rules, the kernel's main rule included, in priority order.
        var rules = state.rules
        rules += IPFamily.allCases.filter { family in state.routes.contains { $0.family == family } }
            .map { RoutingRule(family: $0, priority: 32766, table: .main) }
        rules.sort { ($0.priority ?? 0, $0.family.rawValue) < ($1.priority ?? 0, $1.family.rawValue) }
        for (index, rule) in rules.enumerated() {
            let ruleID = id(role, "rule", String(index))
            lines.append("    \(ruleID) [shape=note, label=\(quoted(rule.description))];")
            lines.append("    \(ruleID) -> \(id(role, "table", rule.table.description));")
        }
        lines.append("  }")
        return lines
    }

    static func id(_ role: NamespaceRole, _ kind: String, _ name: String) -> String {
        quoted("\(role.rawValue):\(kind):\(name)")
    }

    /// A DOT string; with `escaped`, `\n` and `\l` in the text are kept as DOT line breaks.
    static func quoted(_ text: String, escaped: Bool = false) -> String {
        var result = "\""
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\\":
                // `\n` and `\l` written by this type are DOT line breaks; any other backslash is text.
                guard escaped else { result += "\\\\"; continue }
                switch characters.next() {
                case "n": result += "\\n"
                case "l": result += "\\l"
                case let other?: result += "\\\\" + quoted(String(other)).dropFirst().dropLast()
                case nil: result += "\\\\"
                }
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
