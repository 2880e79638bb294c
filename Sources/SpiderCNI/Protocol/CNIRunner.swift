import SpiderCore

/// What one plugin call comes to: the text for stdout and the exit status, or a hand-off to a
/// program that can serve the configuration when this one cannot (see ``CNIHandOff``).
public enum CNIOutcome: Sendable, Hashable {
    /// Print `stdout` (empty: nothing) and exit with `status`.
    case finished(stdout: String, status: Int32)
    /// Run the same call through `spiderctl` instead; `reason` says why (for its error message
    /// when that is impossible).
    case handOff(reason: String)
}

/// Runs a plugin the way a container runtime expects: environment and stdin in, result or error
/// JSON on stdout, exit status 0 or 1. Nothing else is ever written to stdout.
public enum CNIRunner {
    /// The largest network configuration a plugin reads (1 MiB). Real configurations are a few
    /// KiB; a larger one is refused before it is parsed, so hostile input cannot cost seconds
    /// and gigabytes.
    public static let maxConfigBytes = 1 << 20

    /// Runs one call of `plugin`.
    /// - Parameters:
    ///   - plugin: the plugin.
    ///   - environment: the process environment (only `CNI_*` keys are read).
    ///   - stdin: the network configuration as received.
    public static func run(_ plugin: some CNIPlugin, environment: [String: String], stdin: [UInt8]) -> CNIOutcome {
        run(plugin, lookup: { environment[$0] }, stdin: stdin)
    }

    /// Runs one call of `plugin`, reading the environment one variable at a time.
    /// - Parameters:
    ///   - plugin: the plugin.
    ///   - environment: the value of a variable, or `nil` (`CNIProcess.variable` in a plugin process).
    ///   - stdin: the network configuration as received.
    public static func run(_ plugin: some CNIPlugin, lookup environment: (String) -> String?, stdin: [UInt8]) -> CNIOutcome {
        guard stdin.count <= maxConfigBytes else {
            let error = CNIError(code: CNIError.invalidConfig, "the network configuration is larger than \(maxConfigBytes) bytes",
                                 details: "a plugin reads at most 1 MiB of configuration on stdin")
            return .finished(stdout: error.json(version: "1.1.0"), status: 1)
        }
        // VERSION needs nothing but CNI_COMMAND, and costs no parse when there is no stdin.
        if environment("CNI_COMMAND") == "VERSION" {
            let asked = stdin.isEmpty ? nil : ManifestValue.parse(json: stdin)?["cniVersion"]?.stringValue
            return .finished(stdout: CNIVersion.versionJSON(asked ?? "1.1.0"), status: 0)
        }
        let parsed = ManifestValue.parse(json: stdin)
        let declared = parsed?["cniVersion"]?.stringValue
        var version = declared.flatMap { CNIVersion.supported.contains($0) ? $0 : nil } ?? "1.1.0"
        do throws(CNIError) {
            let env = try CNIEnvironment(lookup: environment)
            guard let config = parsed, config.objectValue != nil else {
                throw CNIError(code: CNIError.decodingFailure, "failed to decode the network configuration", details: "stdin is not a JSON object")
            }
            let offered: [String]?
            switch config["cniVersions"] {
            case nil, .null?: offered = nil
            case .array(let items)?: offered = items.compactMap(\.stringValue)
            default: throw CNIError(code: CNIError.decodingFailure, "cniVersions must be a list of versions")
            }
            if let value = config["cniVersion"], value.stringValue == nil, !value.isNull {
                throw CNIError(code: CNIError.decodingFailure, "cniVersion must be a string")
            }
            version = try CNIVersion.negotiate(cniVersion: declared, cniVersions: offered)
            let introduced: String? = switch env.command {
            case .check: "0.4.0"
            case .gc, .status: "1.1.0"
            default: nil
            }
            if let introduced, CNIVersion.compare(version, introduced) < 0 {
                throw CNIError(code: CNIError.incompatibleVersion, "config version does not allow \(env.command.rawValue)", details: "\(env.command.rawValue) needs cniVersion \(introduced) or later, the config is \(version)")
            }
            let call = CNIInvocation(environment: env, config: config, version: version)
            switch env.command {
            case .add: return .finished(stdout: try plugin.add(call), status: 0)
            case .del: try plugin.del(call)
            case .check: try plugin.check(call)
            case .gc: try plugin.gc(call)
            case .status: try plugin.status(call)
            case .version: break
            }
            return .finished(stdout: "", status: 0)
        } catch {
            if let reason = error.handOffReason { return .handOff(reason: reason) }
            return .finished(stdout: error.json(version: version), status: 1)
        }
    }
}
