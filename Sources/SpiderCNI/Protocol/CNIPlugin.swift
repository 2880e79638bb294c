import Foundation

/// One call of a CNI plugin: the validated environment and the network configuration.
public struct CNIInvocation: @unchecked Sendable {
    public var environment: CNIEnvironment
    /// The configuration on stdin, parsed.
    public var config: [String: Any]
    /// The configuration as received.
    public var raw: Data
    /// The version to answer in.
    public var version: String
}

/// A CNI plugin: what it does for each verb. ADD returns the result JSON to print; CHECK, DEL
/// and GC print nothing on success.
public protocol CNIPlugin {
    func add(_ call: CNIInvocation) throws(CNIError) -> String
    func del(_ call: CNIInvocation) throws(CNIError)
    func check(_ call: CNIInvocation) throws(CNIError)
    func gc(_ call: CNIInvocation) throws(CNIError)
    func status(_ call: CNIInvocation) throws(CNIError)
}

/// Runs a plugin the way a container runtime expects: environment and stdin in, result or error
/// JSON on stdout, exit status 0 or 1. Nothing else is ever written to stdout.
public enum CNIRunner {
    /// The largest network configuration a plugin reads (1 MiB). Real configurations are a few
    /// KiB; a larger one is refused before it is parsed, so hostile input cannot cost seconds
    /// and gigabytes.
    public static let maxConfigBytes = 1 << 20

    /// Reads the network configuration from standard input, stopping one byte past
    /// ``maxConfigBytes`` (``run(_:environment:stdin:)`` refuses such input).
    public static func readStandardInput() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while data.count <= maxConfigBytes {
            let wanted = min(buffer.count, maxConfigBytes + 1 - data.count)
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, wanted) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    public static func run(_ plugin: some CNIPlugin, environment: [String: String], stdin: Data) -> (stdout: String, status: Int32) {
        guard stdin.count <= maxConfigBytes else {
            let error = CNIError(code: CNIError.invalidConfig, "the network configuration is larger than \(maxConfigBytes) bytes",
                                 details: "a plugin reads at most 1 MiB of configuration on stdin")
            return (error.json(version: "1.1.0"), 1)
        }
        let parsed = JSON.object(stdin)
        var version = (parsed?["cniVersion"] as? String).flatMap { CNIVersion.supported.contains($0) ? $0 : nil } ?? "1.1.0"
        do throws(CNIError) {
            // VERSION needs nothing but CNI_COMMAND.
            if environment["CNI_COMMAND"] == "VERSION" {
                return (CNIVersion.versionJSON((parsed?["cniVersion"] as? String) ?? "1.1.0"), 0)
            }
            let env = try CNIEnvironment(environment)
            guard let config = parsed else {
                throw CNIError(code: CNIError.decodingFailure, "failed to decode the network configuration", details: "stdin is not a JSON object")
            }
            version = try CNIVersion.negotiate(cniVersion: config["cniVersion"] as? String, cniVersions: config["cniVersions"] as? [String])
            let introduced: String? = switch env.command {
            case .check: "0.4.0"
            case .gc, .status: "1.1.0"
            default: nil
            }
            if let introduced, CNIVersion.compare(version, introduced) < 0 {
                throw CNIError(code: CNIError.incompatibleVersion, "config version does not allow \(env.command.rawValue)", details: "\(env.command.rawValue) needs cniVersion \(introduced) or later, the config is \(version)")
            }
            let call = CNIInvocation(environment: env, config: config, raw: stdin, version: version)
            switch env.command {
            case .add: return (try plugin.add(call), 0)
            case .del: try plugin.del(call)
            case .check: try plugin.check(call)
            case .gc: try plugin.gc(call)
            case .status: try plugin.status(call)
            case .version: break
            }
            return ("", 0)
        } catch {
            return (error.json(version: version), 1)
        }
    }
}
