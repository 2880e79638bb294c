import Foundation
import SpiderCNI
import SpiderCore
import SpiderYAML
import SpiderScenario

/// The parsers that take outside input, each as a fuzz target: bytes in, whatever happens,
/// no crash. Errors are the expected outcome for most inputs; a parsed value is also pushed
/// through what consumes it next (printing, validation, planning), where a crash would hide.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A CNI configuration as the plugins read it: the coordinator's settings, the IPAM store
    /// setting and pool annotations, a `prevResult`.
    case cniConfig = "cni-config"
    /// SpiderIPPool / SpiderReservedIP / SpiderCoordinator / SpiderMultusConfig manifests.
    case manifest
    /// Addresses, CIDRs and Spiderpool ranges.
    case range
    /// `ip` syntax: routes, rules, neighbours, addresses, MACs.
    case ipSyntax = "ip-syntax"
    /// A whole coordinator scenario (state + config + invocation) through the planner and simulator.
    case scenario
    /// What a peer writes to the node agent's socket: frames, then the messages they carry.
    case agentFrame = "agent-frame"

    /// Runs one input.
    public func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .cniConfig: FuzzTarget.cniConfig(Data(bytes), text)
        case .manifest: FuzzTarget.manifest(text)
        case .range: FuzzTarget.range(text)
        case .ipSyntax: FuzzTarget.ipSyntax(text)
        case .scenario: FuzzTarget.scenario(Data(bytes))
        case .agentFrame: FuzzTarget.agentFrames(bytes)
        }
    }

    /// Reads frames one after another, as the agent reads a connection, and decodes each
    /// payload as every message kind.
    static func agentFrames(_ bytes: [UInt8]) {
        var rest = bytes[...]
        while rest.count >= AgentFrame.headerSize {
            guard let header = try? AgentFrame.parseHeader(rest.prefix(AgentFrame.headerSize)) else { return }
            rest = rest.dropFirst(AgentFrame.headerSize)
            let payload = Array(rest.prefix(header.length))
            rest = rest.dropFirst(header.length)
            if let call = AgentCall(json: payload) {
                _ = AgentCall(json: Array(call.json.utf8))
                _ = call.command
            }
            if let report = AgentReport(json: payload) { _ = report.json }
            if let answer = AgentAnswer(json: payload) { _ = answer.json }
            _ = AgentRefusal(json: payload).json
            _ = AgentFrame(header.kind, payload: payload).encoded
        }
    }

    static func cniConfig(_ data: Data, _ text: String) {
        if let netConf = try? CoordinatorNetConf(json: Array(data)) {
            _ = try? CoordinatorConfig(netConf: netConf)
            _ = try? CoordinatorConfig(netConf: CoordinatorNetConf(), defaults: netConf, defaultRouteAnnotation: "net1")
        }
        _ = try? PoolChoice.parseSingle(text)
        _ = try? PoolChoice.parseMultiple(text, interface: "net1")
        if let value = ManifestValue.parse(json: Array(data)) {
            _ = try? SpiderpoolIPAMPlugin.storeSetting(value)
            _ = try? PoolChoice.parseMultiple(value, interface: "eth0")
            if let result = try? CNIResult(value: value["prevResult"] ?? value) {
                for version in CNIVersion.supported { _ = result.json(version: version) }
            }
        }
    }

    static func manifest(_ text: String) {
        if let documents = try? ManifestDocument.parse(text) {
            for document in documents {
                switch document {
                case .ipPool(let pool):
                    let defaulted = IPPoolWebhook.defaulted(pool)
                    _ = try? IPPoolWebhook.validateCreate(defaulted)
                    _ = defaulted.manifest.json(pretty: true)
                    _ = try? PoolAddressSpace(subnet: defaulted.subnet, ips: defaulted.ips, excludeIPs: defaulted.excludeIPs)
                case .reservedIP(let reserved):
                    _ = reserved.manifest.json()
                }
            }
        }
        _ = try? SpiderCoordinator.parse(text)
        if let configs = try? SpiderMultusConfig.parse(text) {
            for config in configs { _ = try? config.render() }
        }
    }

    static func range(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
            let word = String(line)
            if let range = try? IPRange(parsing: word) {
                _ = range.description
                _ = range.count
            }
            if let network = IPNetwork(word) { _ = network.description }
            if let address = IPAddress(word) { _ = address.description }
        }
        if let set = try? IPRangeSet(parsing: text.split(separator: ",").prefix(64).map(String.init)) {
            _ = set.count
            _ = set.subtracting(set).ranges.count
            _ = set.address(at: AddressCount(UInt128(text.utf8.count)))
        }
    }

    static func ipSyntax(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
            let word = String(line)
            if let route = try? Route(parsing: word) { _ = route.description }
            if let rule = try? RoutingRule(parsing: word) { _ = rule.description }
            if let neighbour = try? Neighbour(parsing: word) { _ = neighbour.description }
            if let address = try? InterfaceAddress(parsing: word) { _ = address.description }
            _ = try? MACAddress.parse(word)
        }
    }

    static func scenario(_ data: Data) {
        guard let scenario = try? CoordinatorScenario(json: data) else { return }
        _ = ScenarioRun(scenario)
    }
}
