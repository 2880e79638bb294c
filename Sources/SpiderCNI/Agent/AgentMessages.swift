import SpiderCore

/// A CNI call the plugin hands to the agent: the plugin's name, the `CNI_*` variables (and
/// `SPIDERPOOL_NODE_NAME`, resolved by the plugin) and the configuration as received.
public struct AgentCall: Sendable, Hashable {
    /// `spiderpool`.
    public var plugin: String
    /// The variables the call reads.
    public var environment: [String: String]
    /// The network configuration, as read from stdin.
    public var config: String

    public init(plugin: String, environment: [String: String], config: String) {
        self.plugin = plugin
        self.environment = environment
        self.config = config
    }

    /// The variables forwarded to the agent.
    public static let forwardedVariables = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH",
                                            "SPIDERPOOL_NODE_NAME"]

    /// The call's `CNI_COMMAND`.
    public var command: String { environment["CNI_COMMAND"] ?? "" }

    /// The payload of a ``AgentFrame/Kind/call`` frame.
    public var json: String {
        let variables = environment.sorted { $0.key < $1.key }.map { (key: $0.key, value: ManifestValue.string($0.value)) }
        return ManifestValue.object([("plugin", .string(plugin)), ("environment", .object(variables)), ("config", .string(config))]).json()
    }

    /// Reads a call's payload; `nil` when it is not one.
    public init?(json bytes: [UInt8]) {
        guard let value = ManifestValue.parse(json: bytes), let plugin = value["plugin"]?.stringValue,
              let pairs = value["environment"]?.objectValue, let config = value["config"]?.stringValue else { return nil }
        var environment: [String: String] = [:]
        for (key, item) in pairs {
            guard AgentCall.forwardedVariables.contains(key), let text = item.stringValue else { return nil }
            environment[key] = text
        }
        self.init(plugin: plugin, environment: environment, config: config)
    }
}

/// What the agent answers a call: exactly what the plugin would print and its exit status.
public struct AgentAnswer: Sendable, Hashable {
    public var status: Int32
    public var stdout: String

    public init(status: Int32, stdout: String) {
        self.status = status
        self.stdout = stdout
    }

    public var json: String {
        ManifestValue.object([("status", .int(Int(status))), ("stdout", .string(stdout))]).json()
    }

    public init?(json bytes: [UInt8]) {
        guard let value = ManifestValue.parse(json: bytes), let status = value["status"]?.intValue,
              let stdout = value["stdout"]?.stringValue, let code = Int32(exactly: status) else { return nil }
        self.init(status: code, stdout: stdout)
    }
}

/// Why the agent will not run a call (the plugin then runs it itself).
public struct AgentRefusal: Sendable, Hashable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var json: String { ManifestValue.object([("reason", .string(reason))]).json() }

    public init(json bytes: [UInt8]) {
        reason = ManifestValue.parse(json: bytes)?["reason"]?.stringValue ?? String(decoding: bytes.prefix(512), as: UTF8.self)
    }
}

/// A call a plugin ran itself (DEL, GC, CHECK, STATUS, an ADD without the agent, the
/// coordinator), told to the agent for its request metrics. Sent without waiting for anything.
public struct AgentReport: Sendable, Hashable {
    /// `spiderpool` or `coordinator`.
    public var plugin: String
    /// `ADD`, `DEL`, ...
    public var command: String
    /// Whether the call succeeded (exit status 0).
    public var succeeded: Bool
    /// How long the call took, in seconds.
    public var seconds: Double

    public init(plugin: String, command: String, succeeded: Bool, seconds: Double) {
        self.plugin = plugin
        self.command = command
        self.succeeded = succeeded
        self.seconds = seconds
    }

    public var json: String {
        ManifestValue.object([("plugin", .string(plugin)), ("command", .string(command)),
                              ("result", .string(succeeded ? "success" : "failure")), ("seconds", .double(seconds))]).json()
    }

    public init?(json bytes: [UInt8]) {
        guard let value = ManifestValue.parse(json: bytes), let plugin = value["plugin"]?.stringValue,
              let command = value["command"]?.stringValue, let result = value["result"]?.stringValue,
              result == "success" || result == "failure" else { return nil }
        let seconds: Double? = switch value["seconds"] {
        case .double(let number)?: number
        case .int(let number)?: Double(number)
        default: nil
        }
        guard let seconds, seconds.isFinite, seconds >= 0 else { return nil }
        self.init(plugin: plugin, command: command, succeeded: result == "success", seconds: seconds)
    }
}
