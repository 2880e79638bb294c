import Foundation
import Testing

/// The plugins are the lean `spider-cni` binary: what `cni install` puts in place, what it
/// links, and how it hands on what it cannot serve (real processes).
@Suite(.serialized)
struct LeanCNIBinaryTests {
    static let etcdConfig = #"{"cniVersion":"1.0.0","name":"n","ipam":{"type":"spiderpool","store":"etcd://127.0.0.1:1/x","default_ipv4_ippool":["p"]}}"#

    /// A directory holding only a copy of spider-cni named `plugin` (a copy, so that "beside the
    /// binary it resolves to" is this directory too), removed by `cleanup`; `nil` when this
    /// machine has a spiderctl in /usr/local/bin or /usr/bin, where the lean binary would find it.
    static func alone(_ plugin: String) throws -> (directory: String, cleanup: () -> Void)? {
        for place in ["/usr/local/bin/spiderctl", "/usr/bin/spiderctl"] where FileManager.default.isExecutableFile(atPath: place) {
            Issue.record("\(place) exists on this machine: the test cannot show a missing spiderctl")
            return nil
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lean-alone-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let binary = try CLIRunner.binary().deletingLastPathComponent().appendingPathComponent("spider-cni").path
        try FileManager.default.copyItem(atPath: binary, toPath: root + "/" + plugin)
        return (root, { try? FileManager.default.removeItem(atPath: root) })
    }

    @Test("cni install links both plugin names to spider-cni and puts spiderctl beside them")
    func installed() throws {
        let workspace = try CNIWorkspace("lean-install")
        let spiderctl = try CLIRunner.binary().resolvingSymlinksInPath().path
        for name in ["spiderpool", "coordinator"] {
            let target = URL(fileURLWithPath: workspace.bin + "/" + name).resolvingSymlinksInPath()
            #expect(target.lastPathComponent == "spider-cni", "\(name) -> \(target.path)")
        }
        #expect(URL(fileURLWithPath: workspace.bin + "/spiderctl").resolvingSymlinksInPath().path == spiderctl)
    }

    @Test("spider-cni links no Foundation, no argument parser, no YAML, no HTTP client")
    func lean() throws {
        let binary = try CLIRunner.binary().deletingLastPathComponent().appendingPathComponent("spider-cni").path
        let libraries = try CNITools.run(["ldd", binary])
        for heavy in ["Foundation", "ArgumentParser", "Yams", "NIO", "AsyncHTTPClient", "XCTest", "Testing"] {
            #expect(!libraries.contains(heavy), "spider-cni loads \(heavy): \(libraries)")
        }
        // The symbols tell what is linked statically into it.
        let symbols = try CNITools.run(["nm", "--defined-only", "--demangle", binary])
        for module in ["SpiderEtcd", "SpiderYAML", "ArgumentParser", "Yams", "NIOCore", "Foundation."] {
            #expect(!symbols.contains(module), "spider-cni contains \(module)")
        }
    }

    @Test("an etcd store is handed to spiderctl: the answer is spiderctl's (here: etcd unreachable, code 11 naming it)")
    func handOffEtcd() throws {
        let workspace = try CNIWorkspace("lean-handoff")
        let outcome = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0",
                                                                                             netns: "/proc/self/ns/net", path: workspace.bin),
                                            stdin: Self.etcdConfig)
        expectCNIError(outcome, code: 11, "through spiderctl")
        #expect(outcome.stdout.contains("127.0.0.1:1"), "\(outcome)")
    }

    @Test("without spiderctl anywhere, a call that needs it fails with code 50 naming where it looked")
    func handOffWithoutSpiderctl() throws {
        guard let (root, cleanup) = try Self.alone("spiderpool") else { return }
        defer { cleanup() }
        let workspace = try CNIWorkspace("lean-alone")
        let outcome = try workspace.execute(root + "/spiderpool", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0",
                                                                                             netns: "/proc/self/ns/net", path: root),
                                            stdin: Self.etcdConfig)
        expectCNIError(outcome, code: 50, "no spiderctl")
        #expect(outcome.stdout.contains(root + "/spiderctl") && outcome.stdout.contains("SPIDERPOOL_SPIDERCTL"), "\(outcome)")
    }

    @Test("VERSION and a bad configuration are answered by the lean binary itself")
    func answeredItself() throws {
        let workspace = try CNIWorkspace("lean-self")
        let version = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("VERSION"), stdin: #"{"cniVersion":"1.0.0"}"#)
        #expect(version.status == 0 && version.stdout.contains("supportedVersions"), "\(version)")
        let bad = try workspace.execute(workspace.coordinator, CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: "/proc/self/ns/net"),
                                        stdin: "{")
        expectCNIError(bad, code: 6, "not JSON")
    }

    @Test("DEL with a YAML SpiderCoordinator and no spiderctl anywhere goes on without the manifest and succeeds")
    func delWithoutSpiderctl() throws {
        guard let (root, cleanup) = try Self.alone("coordinator") else { return }
        defer { cleanup() }
        let manifest = root + "/spidercoordinator.yaml"
        try "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderCoordinator\nmetadata: {name: default}\nspec: {mode: overlay}\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let namespace = "lean-del-\(getpid())"
        _ = try CNITools.run(["ip", "netns", "add", namespace])
        defer { _ = try? CNITools.run(["ip", "netns", "delete", namespace]) }
        let workspace = try CNIWorkspace("lean-del")
        let config = #"{"cniVersion":"1.0.0","name":"n","type":"coordinator","spiderCoordinator":"\#(manifest)"}"#
        let outcome = try workspace.execute(root + "/coordinator", CNIWorkspace.environment("DEL", containerID: "c1", ifname: "net1",
                                                                                              netns: "/var/run/netns/\(namespace)", path: root),
                                            stdin: config)
        expectQuietSuccess(outcome, "DEL without spiderctl")
    }
}
