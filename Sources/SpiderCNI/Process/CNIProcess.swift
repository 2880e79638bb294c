import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a plugin process reads and writes, through the C library alone: environment variables,
/// standard input (bounded), standard output and standard error, the host name.
public enum CNIProcess {
    /// One variable of the environment, or `nil`.
    public static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Reads the network configuration from standard input, stopping one byte past
    /// `limit` (``CNIRunner/run(_:environment:stdin:)`` refuses such input).
    /// - Parameter limit: the most bytes a caller accepts.
    public static func readStandardInput(limit: Int = CNIRunner.maxConfigBytes) -> [UInt8] {
        var data: [UInt8] = []
        // Uninitialised: zeroing 64 KiB would cost more than reading a typical configuration.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { buffer.deallocate() }
        while data.count <= limit {
            let wanted = min(buffer.count, limit + 1 - data.count)
            let count = read(STDIN_FILENO, buffer.baseAddress, wanted)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return data
    }

    /// Writes all of `text` to a descriptor, retrying short writes and EINTR.
    /// - Parameters:
    ///   - text: what to write.
    ///   - descriptor: where.
    public static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            bytes = bytes.dropFirst(count)
        }
    }

    /// One line on standard error, prefixed with `plugin: `.
    /// - Parameters:
    ///   - plugin: the plugin's name.
    ///   - message: the line.
    public static func log(_ plugin: String, _ message: String) {
        write("\(plugin): \(message)\n", to: STDERR_FILENO)
    }

    /// The host name (`gethostname`), or `localhost` when it cannot be read.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Prints an outcome the way a runtime expects and ends the process; a hand-off replaces
    /// the process with `spiderctl` (see ``CNIHandOff``).
    /// - Parameters:
    ///   - outcome: what the call came to.
    ///   - plugin: the plugin's name, as `spiderctl cni run` takes it.
    ///   - stdin: the configuration as received, handed on unchanged.
    public static func finish(_ outcome: CNIOutcome, plugin: String, stdin: [UInt8]) -> Never {
        switch outcome {
        case .finished(let stdout, let status):
            if !stdout.isEmpty { write(stdout + "\n", to: STDOUT_FILENO) }
            exit(status)
        case .handOff(let reason):
            let failure = CNIHandOff.exec(plugin: plugin, stdin: stdin, reason: reason)
            let declared = ManifestValue.parse(json: stdin)?["cniVersion"]?.stringValue
            let version = declared.flatMap { CNIVersion.supported.contains($0) ? $0 : nil } ?? "1.1.0"
            write(failure.json(version: version) + "\n", to: STDOUT_FILENO)
            exit(1)
        }
    }
}
