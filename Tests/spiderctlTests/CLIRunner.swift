import Foundation

/// Runs the built `spiderctl` binary, as scripts do, and captures what it prints.
struct CLIRunner {
    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    struct NotBuilt: Error, CustomStringConvertible { let description: String }

    /// The binary beside the test bundle (the same build folder), or `$SPIDERCTL`.
    static func binary() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["SPIDERCTL"] { return URL(fileURLWithPath: override) }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("spiderctl"),
            Bundle.main.bundleURL.appendingPathComponent("spiderctl"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("spiderctl"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(description: "spiderctl binary not found (looked at \(candidates.map(\.path))); run `swift build` first or set SPIDERCTL")
        }
        return found
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
