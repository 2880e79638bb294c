import Foundation
import SpiderCore

/// One coordinator call written down: the Pod's and the node's state before it, the CNI
/// configuration and invocation, and what must hold afterwards (or the error). This is the
/// format of the golden route-plan cases (`golden/README.md`), which reads like Spiderpool's docs.
public struct CoordinatorScenario: Sendable {
    public var name: String
    public var invocation: CoordinatorInvocation
    /// The coordinator's CNI configuration.
    public var netConf: CoordinatorNetConf
    /// The configuration as raw JSON (it carries `prevResult`).
    public var configJSON: Data
    public var before: NamespacePair
    public var expectation: ScenarioExpectation

    /// Why a scenario file could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a scenario from its JSON text.
    public init(json: Data) throws(ReadError) {
        let file: ScenarioFile
        do {
            file = try JSONDecoder().decode(ScenarioFile.self, from: json)
        } catch {
            throw ReadError(description: "not a coordinator scenario: \(ScenarioFile.explain(error))")
        }
        name = file.name ?? "unnamed scenario"
        guard let command = CoordinatorInvocation.Command(rawValue: file.invocation.command.uppercased()) else {
            throw ReadError(description: "invocation.command '\(file.invocation.command)' is not ADD, DEL or CHECK")
        }
        invocation = CoordinatorInvocation(command: command, containerID: file.invocation.containerID,
                                           interface: file.invocation.ifname, podNamespaceExists: file.invocation.netnsExists ?? true)
        do {
            let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            configJSON = try JSONSerialization.data(withJSONObject: object?["config"] ?? [:], options: [.sortedKeys])
        } catch {
            throw ReadError(description: "config: \(error)")
        }
        do {
            netConf = try CoordinatorNetConf(json: Array(configJSON))
        } catch {
            throw ReadError(description: "config: \(error)")
        }
        before = NamespacePair(pod: try file.pod.state(role: "pod"), node: try file.node.state(role: "node"))
        expectation = try file.expect.expectation()
    }
}

/// What must be true after a scenario's call.
public enum ScenarioExpectation: Sendable, Hashable {
    /// The call succeeds and these hold in each namespace (a missing key is not checked).
    case state(pod: NamespaceExpectation?, node: NamespaceExpectation?, echoesPrevResult: Bool)
    /// The call is refused with this CNI code and a message containing the text.
    case error(code: Int, contains: String)
}

/// The parts of one namespace a scenario checks, in `ip` syntax; `nil` means "not checked".
public struct NamespaceExpectation: Sendable, Hashable {
    /// Per family: every non-default rule, in `ip rule` order.
    public var rules: [IPFamily: [String]] = [:]
    /// Per family: tables (`main`, `100`, …) listed exactly as `ip route show table N` prints them.
    public var tables: [IPFamily: [String: [String]]] = [:]
    /// Every PERMANENT neighbour entry, compared as a set; `<random>` matches any MAC.
    public var neighbours: [String]?
    /// The links the call creates or changes, with the attributes that must match.
    public var links: [LinkExpectation]?
    /// Sysctls that must have these values.
    public var sysctls: [String: String]?
    /// Per family: the whole list of mangle rules.
    public var mangle: [IPFamily: [String]] = [:]
}

/// A link a scenario expects, attribute by attribute.
public struct LinkExpectation: Sendable, Hashable {
    public var name: String
    public var kind: String?
    /// A MAC, or `<random>` for any MAC.
    public var mac: String?
    public var mtu: Int?
    public var flags: [String]?
    /// Its non-`fe80::` addresses (`[]`: none).
    public var addresses: [String]?
}

// MARK: - The file format

struct ScenarioFile: Decodable {
    struct Invocation: Decodable {
        var command: String
        var containerID: String
        var ifname: String
        var netnsExists: Bool?
    }

    struct Family6: Decodable {
        var routes: [String]?
        var rules: [String]?
        var mangle: [String]?
        var tables: [String: [String]]?
    }

    struct Namespace: Decodable {
        var links: [Link]?
        var addresses: [String]?
        var routes: [String]?
        var rules: [String]?
        var neighbours: [String]?
        var sysctls: [String: String]?
        var mangle: [String]?
        var v6: Family6?
        var routeGet: [String: String]?

        func state(role: String) throws(CoordinatorScenario.ReadError) -> NetworkState {
            var state = NetworkState()
            state.links = links ?? []
            do {
                state.addresses = try (addresses ?? []).map { try InterfaceAddress(parsing: $0) }
                state.routes = try (routes ?? []).map { try Route(parsing: $0, family: .v4) }
                    + (v6?.routes ?? []).map { try Route(parsing: $0, family: .v6) }
                state.rules = try (rules ?? []).map { try RoutingRule(parsing: $0, family: .v4) }
                    + (v6?.rules ?? []).map { try RoutingRule(parsing: $0, family: .v6) }
                state.neighbours = try (neighbours ?? []).map { try Neighbour(parsing: $0) }
            } catch {
                throw CoordinatorScenario.ReadError(description: "\(role): \(error)")
            }
            state.sysctls = sysctls ?? [:]
            state.firewallRules = (mangle ?? []).map { FirewallRule(family: .v4, specification: $0) }
                + (v6?.mangle ?? []).map { FirewallRule(family: .v6, specification: $0) }
            for (key, value) in routeGet ?? [:] {
                guard let target = IPAddress(key), let source = IPAddress(value) else {
                    throw CoordinatorScenario.ReadError(description: "\(role).routeGet: '\(key)' → '\(value)' is not an address pair")
                }
                state.routeGet[target] = source
            }
            return state
        }
    }

    struct ExpectedLink: Decodable {
        var name: String
        var kind: String?
        var mac: String?
        var mtu: Int?
        var flags: [String]?
        var addresses: [String]?
    }

    struct ExpectedNamespace: Decodable {
        var rules: [String]?
        var tables: [String: [String]]?
        var neighbours: [String]?
        var links: [ExpectedLink]?
        var sysctls: [String: String]?
        var mangle: [String]?
        var v6: Family6?

        var expectation: NamespaceExpectation {
            var result = NamespaceExpectation()
            result.rules[.v4] = rules
            result.tables[.v4] = tables
            result.mangle[.v4] = mangle
            result.rules[.v6] = v6?.rules
            result.tables[.v6] = v6?.tables
            result.mangle[.v6] = v6?.mangle
            result.neighbours = neighbours
            result.sysctls = sysctls
            result.links = links?.map {
                LinkExpectation(name: $0.name, kind: $0.kind, mac: $0.mac, mtu: $0.mtu, flags: $0.flags, addresses: $0.addresses)
            }
            return result
        }
    }

    struct ExpectedError: Decodable {
        var code: Int
        var contains: String
    }

    struct Expect: Decodable {
        var pod: ExpectedNamespace?
        var node: ExpectedNamespace?
        var result: String?
        var error: ExpectedError?

        func expectation() throws(CoordinatorScenario.ReadError) -> ScenarioExpectation {
            if let error { return .error(code: error.code, contains: error.contains) }
            return .state(pod: pod?.expectation, node: node?.expectation, echoesPrevResult: result == "prevResult")
        }
    }

    var name: String?
    var invocation: Invocation
    var pod: Namespace
    var node: Namespace
    var expect: Expect

    static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(let type, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) must be \(type)"
        case DecodingError.dataCorrupted(let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
