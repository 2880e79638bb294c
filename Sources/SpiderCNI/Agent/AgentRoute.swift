import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a plugin process uses the node agent (Docs/AGENT.md).
///
/// A `spiderpool` ADD goes to the agent when the agent accepts it within
/// `agent_accept_timeout_ms` (default 250) and answers within `agent_answer_timeout_ms`
/// (default 30 000); otherwise — no agent, a refusal, a timeout, a broken connection — the
/// plugin runs the call itself, exactly as without an agent. DEL, GC, CHECK and STATUS are
/// always run by the plugin itself: they never depend on the agent. Calls the plugin runs
/// itself are reported to the agent afterwards, without waiting, for its request metrics.
///
/// IPAM keys: `agent_socket` (default `/run/spiderpool/agent.sock`; an empty string turns the
/// agent off), `agent_accept_timeout_ms`, `agent_answer_timeout_ms`. The coordinator reports
/// to its configuration's `agent_socket`, or to the default socket.
public enum AgentRoute {
    /// The agent the IPAM settings name, or `nil` when `agent_socket` is empty (turned off).
    /// - Throws: ``CNIError`` 6 for a setting of the wrong type, 7 for a timeout out of range.
    public static func client(ipam: ManifestValue) throws(CNIError) -> AgentClient? {
        var client = AgentClient()
        if let value = ipam["agent_socket"] {
            guard let path = value.stringValue else { throw CNIError(code: CNIError.decodingFailure, "agent_socket must be a string") }
            if path.isEmpty { return nil }
            client.socketPath = path
        }
        client.acceptTimeout = try milliseconds(ipam, "agent_accept_timeout_ms", AgentClient.defaultAcceptTimeout)
        client.answerTimeout = try milliseconds(ipam, "agent_answer_timeout_ms", AgentClient.defaultAnswerTimeout)
        return client
    }

    static func milliseconds(_ ipam: ManifestValue, _ key: String, _ fallback: Int) throws(CNIError) -> Int {
        guard let value = ipam[key] else { return fallback }
        guard let number = value.intValue else { throw CNIError(code: CNIError.decodingFailure, "\(key) must be an integer (milliseconds)") }
        guard (1...600_000).contains(number) else {
            throw CNIError(code: CNIError.invalidConfig, "\(key) is out of range", details: "\(number): 1 to 600000 milliseconds")
        }
        return number
    }

    /// The agent's outcome of a `spiderpool` ADD, or `nil` when the plugin must run the call
    /// itself (another plugin or command, a configuration the agent keys do not allow, no
    /// agent, a refusal, no answer in time).
    /// - Parameters:
    ///   - plugin: the plugin's name.
    ///   - environment: the value of a variable, or `nil`.
    ///   - stdin: the configuration as received.
    ///   - log: where a line goes when an agent was there but did not serve the call.
    public static func outcome(plugin: String, lookup environment: (String) -> String?, stdin: [UInt8],
                               log: (String) -> Void = { _ in }) -> CNIOutcome? {
        // A call the lean binary handed to `spiderctl` after the agent did not serve it is not
        // offered twice.
        guard environment(triedVariable) == nil,
              plugin == "spiderpool", environment("CNI_COMMAND") == "ADD", stdin.count <= CNIRunner.maxConfigBytes,
              let text = String(validating: stdin, as: UTF8.self), let config = ManifestValue.parse(json: stdin),
              config.objectValue != nil, let ipam = try? SpiderpoolIPAMPlugin.ipam(config),
              let client = try? client(ipam: ipam) else { return nil }
        var variables: [String: String] = [:]
        for name in AgentCall.forwardedVariables { variables[name] = environment(name) }
        variables["SPIDERPOOL_NODE_NAME"] = nodeName(environment)
        switch client.call(AgentCall(plugin: plugin, environment: variables, config: text)) {
        case .success(let answer):
            return .finished(stdout: answer.stdout, status: answer.status)
        case .failure(.unavailable):
            setenv(triedVariable, "unavailable", 1)
            return nil
        case .failure(let failure):
            log("\(failure); running the call without it")
            setenv(triedVariable, "declined", 1)
            return nil
        }
    }

    /// Set in the process's environment once the agent was tried, so that a hand-off to
    /// `spiderctl` (which keeps the environment) does not try it again.
    public static let triedVariable = "SPIDERPOOL_AGENT_TRIED"

    /// The node name a call carries: `SPIDERPOOL_NODE_NAME`, else the host name.
    static func nodeName(_ environment: (String) -> String?) -> String {
        let name = environment("SPIDERPOOL_NODE_NAME") ?? ""
        return name.isEmpty ? CNIProcess.hostName : name
    }

    /// Reports a call the plugin ran itself to the agent named by its configuration; nothing
    /// for VERSION, a hand-off (the program it is handed to reports it), or an agent turned
    /// off. Never waits.
    /// - Parameters:
    ///   - plugin: the plugin's name.
    ///   - environment: the value of a variable, or `nil`.
    ///   - stdin: the configuration as received.
    ///   - outcome: what the call came to.
    ///   - started: when the call started (``clock()``, nanoseconds).
    public static func report(plugin: String, lookup environment: (String) -> String?, stdin: [UInt8], outcome: CNIOutcome, started: Int64) {
        guard case .finished(_, let status) = outcome, let command = environment("CNI_COMMAND"),
              CNIEnvironment.Command(rawValue: command) != nil, command != "VERSION",
              plugin == "spiderpool" || plugin == "coordinator" else { return }
        var client = AgentClient()
        if stdin.count <= CNIRunner.maxConfigBytes, let config = ManifestValue.parse(json: stdin), config.objectValue != nil {
            let settings = plugin == "spiderpool" ? (try? SpiderpoolIPAMPlugin.ipam(config)) ?? config : config
            switch settings["agent_socket"] {
            case .string(let path)?:
                if path.isEmpty { return }
                client.socketPath = path
            default: break
            }
        }
        let seconds = Double(AgentClient.now() - started) / 1e9
        client.report(AgentReport(plugin: plugin, command: command, succeeded: status == 0, seconds: seconds))
    }

    /// Now, on the clock ``report(plugin:lookup:stdin:outcome:started:)`` takes.
    public static func clock() -> Int64 { AgentClient.now() }
}
