import Foundation
import Testing

/// Kernel tests need root, `ip` (iproute2) and, for the mangle rules, `iptables`. When one is
/// missing they fail with a message that says what to install; they never skip.
enum RootRequirement {
    struct Missing: Error, CustomStringConvertible { let description: String }

    static func check(iptables: Bool = false) throws {
        guard getuid() == 0 else {
            throw Missing(description: "kernel tests need root (network namespaces): run the test command as root")
        }
        for tool in ["/usr/sbin/ip", "/usr/bin/nsenter"] + (iptables ? ["/usr/sbin/iptables", "/usr/sbin/ip6tables"] : [])
            where !FileManager.default.isExecutableFile(atPath: tool) && !FileManager.default.isExecutableFile(atPath: tool.replacingOccurrences(of: "/usr/sbin", with: "/sbin")) {
            throw Missing(description: "\(tool) is missing: apt-get install -y iproute2 util-linux iptables (scripts/test.sh installs them)")
        }
    }
}

/// Runs a command and fails with its output when it fails.
@discardableResult
func sh(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw RootRequirement.Missing(description: "`\(arguments.joined(separator: " "))` failed: \(output)")
    }
    return output
}

/// A throwaway network namespace, deleted when the test is done.
final class TestNamespace {
    let name: String
    var path: String { "/var/run/netns/\(name)" }

    init(_ prefix: String) throws {
        name = "\(prefix)\(UInt32.random(in: 0...UInt32.max))"
        try sh(["ip", "netns", "add", name])
        try sh(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    deinit { _ = try? sh(["ip", "netns", "delete", name]) }

    @discardableResult
    func ip(_ words: String) throws -> String { try sh(["ip", "-n", name] + words.split(separator: " ").map(String.init)) }
}
