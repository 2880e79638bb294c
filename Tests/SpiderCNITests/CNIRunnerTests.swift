import SpiderCore
import Testing
@testable import SpiderCNI

/// The runner and the plugins' configuration decoding, in process (no root, no store written).
struct CNIRunnerTests {
    static let environment = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c1", "CNI_NETNS": "/proc/self/ns/net", "CNI_IFNAME": "eth0",
                              "CNI_PATH": "/usr/lib/cni"]

    static func run(_ config: String, command: String = "ADD", plugin: some CNIPlugin = SpiderpoolIPAMPlugin()) -> CNIOutcome {
        var environment = environment
        environment["CNI_COMMAND"] = command
        return CNIRunner.run(plugin, environment: environment, stdin: Array(config.utf8))
    }

    static func code(_ outcome: CNIOutcome) -> Int? {
        guard case .finished(let stdout, let status) = outcome, status != 0 else { return nil }
        return ManifestValue.parse(json: stdout)?["code"]?.intValue
    }

    @Test("VERSION answers without a configuration")
    func version() throws {
        let outcome = CNIRunner.run(SpiderpoolIPAMPlugin(), environment: ["CNI_COMMAND": "VERSION"], stdin: [])
        guard case .finished(let stdout, 0) = outcome else { Issue.record("\(outcome)"); return }
        let answer = try #require(ManifestValue.parse(json: stdout))
        #expect(answer["cniVersion"]?.stringValue == "1.1.0")
        #expect(answer["supportedVersions"]?.arrayValue?.compactMap(\.stringValue) == CNIVersion.supported)
    }

    @Test("an etcd store is handed off by the lean binary's opener, for every verb that opens the store",
          arguments: ["ADD", "DEL", "CHECK", "STATUS"])
    func etcdHandOff(command: String) {
        let config = #"{"cniVersion":"1.1.0","name":"n","ipam":{"type":"spiderpool","store":"etcd://127.0.0.1:2379/x"}}"#
        #expect(Self.run(config, command: command) == .handOff(reason: "the store is etcd://127.0.0.1:2379/x"))
    }

    @Test("an opener that serves etcd itself is used: no hand-off")
    func customOpener() {
        let config = #"{"cniVersion":"1.0.0","name":"n","ipam":{"type":"spiderpool","store":"etcd://127.0.0.1:1/x"}}"#
        let plugin = SpiderpoolIPAMPlugin(openLedger: { (setting: StoreSetting) throws(CNIError) -> AnyLedger in
            throw CNIError(code: 104, "cannot reach \(setting.store)")
        })
        #expect(Self.code(Self.run(config, plugin: plugin)) == 104)
    }

    @Test("bad configurations get the spec's codes", arguments: [
        (#"not json"#, 6),
        (#"[1]"#, 6),
        (#"{"cniVersion":"1.0.0","name":"n","ipam":"spiderpool"}"#, 6),
        (#"{"cniVersion":"1.0.0","name":"n","ipam":{"store":""}}"#, 7),
        (#"{"cniVersion":"1.0.0","name":"n","ipam":{"store":"http://x"}}"#, 7),
        (#"{"cniVersion":"1.0.0","name":"n","ipam":{"store":5}}"#, 6),
        (#"{"cniVersion":"9.9.9","name":"n"}"#, 1),
        (#"{"cniVersions":"1.0.0","name":"n"}"#, 6),
    ])
    func badConfig(config: String, code: Int) {
        #expect(Self.code(Self.run(config)) == code, "\(config)")
    }

    @Test("a configuration over 1 MiB is refused before it is parsed")
    func oversized() {
        let config = "{\"pad\":\"" + String(repeating: "x", count: CNIRunner.maxConfigBytes) + "\"}"
        #expect(Self.code(Self.run(config)) == 7)
    }

    @Test("ADD settings are decoded with their types", arguments: [
        (#"{"default_ipv4_ippool":"[\"a\",\"b\"]"}"#, nil),
        (#"{"default_ipv4_ippool":["a"],"sticky":"always","clean_gateway":true}"#, nil),
        (#"{"default_ipv4_ippool":"a"}"#, 7),
        (#"{"default_ipv4_ippool":[1]}"#, 7),
        (#"{"sticky":5}"#, 6),
        (#"{"sticky":"sometimes"}"#, 7),
        (#"{"clean_gateway":"yes"}"#, 6),
        (#"{"enable_ipv4":1}"#, 6),
    ] as [(String, Int?)])
    func addSettings(ipam: String, code: Int?) throws {
        let config = try #require(ManifestValue.parse(json: #"{"cniVersion":"1.0.0","name":"n","ipam":"# + ipam + "}"))
        let call = CNIInvocation(environment: try CNIEnvironment(Self.environment), config: config, version: "1.0.0")
        do {
            let request = try SpiderpoolIPAMPlugin().request(call)
            #expect(code == nil, "decoded \(request)")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test("GC needs a readable list of valid attachments", arguments: [
        (#"{}"#, 6),
        (#"{"cni.dev/valid-attachments":{}}"#, 6),
        (#"{"cni.dev/valid-attachments":[{"containerID":"c"}]}"#, 6),
        (#"{"cni.dev/valid-attachments":[{"containerID":"/x","ifname":"eth0"}]}"#, 7),
    ])
    func gcList(extra: String, code: Int) throws {
        let config = try #require(ManifestValue.parse(json: extra))
        #expect(throws: CNIError.self) { try SpiderpoolIPAMPlugin.validAttachments(config) }
        do { _ = try SpiderpoolIPAMPlugin.validAttachments(config) } catch { #expect(error.code == code) }
    }
}

/// Hostile paths in a configuration: a NUL would make the C calls use another file.
struct CNIHostilePathTests {
    @Test("a store or SpiderCoordinator path with a NUL is refused with code 7, nothing opened",
          arguments: [#"{"cniVersion":"1.0.0","name":"n","ipam":{"store":"/tmp/st\u0000ore"}}"#])
    func nulInStore(config: String) {
        #expect(CNIRunnerTests.code(CNIRunnerTests.run(config)) == 7)
    }

    @Test("a SpiderCoordinator path with a NUL is refused with code 7")
    func nulInManifest() throws {
        let config = try #require(ManifestValue.parse(json: #"{"cniVersion":"1.0.0","name":"n","spiderCoordinator":"/etc/hostname\u0000x"}"#))
        #expect(throws: CNIError.self) { try CoordinatorPlugin.config(config) }
        do { _ = try CoordinatorPlugin.config(config) } catch { #expect(error.code == 7, "\(error)") }
    }
}
