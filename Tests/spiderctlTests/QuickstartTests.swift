import Foundation
import Testing

/// `Examples/quickstart/quickstart.sh` end to end with the binary under test (root).
@Suite("The quick start script", .serialized)
struct QuickstartTests {
    /// The package root (this file is Tests/spiderctlTests/QuickstartTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Both stores; one at a time (the script's namespaces have fixed names).
    @Test("quickstart.sh passes all its checks with the built spiderctl", arguments: [[], ["--etcd"]])
    func quickstart(flags: [String]) throws {
        // The script would install missing packages itself; the test installs nothing and says what is missing.
        try CNIIntegrationRequirement.check()
        for tool in ["ping", "iptables", "sysctl"] + (flags.contains("--etcd") ? ["etcd"] : []) where CNITools.find(tool) == nil {
            throw CNIHarnessFailure("\(tool) is missing: apt-get install -y iputils-ping iptables procps etcd-server (scripts/test.sh installs them)")
        }
        let script = QuickstartTests.packageRoot.appendingPathComponent("Examples/quickstart/quickstart.sh").path
        #expect(FileManager.default.fileExists(atPath: script), "\(script) is missing")

        // The runner's environment (the script needs swift on PATH for its dependency check) minus CNI_*.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CNI_") }
        environment["SPIDERCTL"] = try CLIRunner.binary().path
        if environment["PATH"] == nil { environment["PATH"] = CNITools.path }

        let log = FileManager.default.temporaryDirectory.appendingPathComponent("spiderctl-quickstart-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { unlink(log) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script] + flags
        process.currentDirectoryURL = QuickstartTests.packageRoot
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let output = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)

        #expect(process.terminationStatus == 0, "quickstart.sh exited \(process.terminationStatus):\n\(output)")
        #expect(output.contains("quick start: all checks passed"), "quickstart.sh output:\n\(output)")
        #expect(!output.contains("  FAIL  "), "quickstart.sh output:\n\(output)")
    }
}
