import Foundation
import Testing

// The CNI protocol of the `spiderpool` IPAM plugin and the `coordinator` plugin, through the real
// binary invoked under those names (symbolic links made by `spiderctl cni install --dir`), with an
// environment built here from scratch (nothing of the test runner's CNI_* leaks in).

/// One run of a CNI plugin binary.
struct CNIOutcome: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// stdout as one JSON object, or `nil` when it is anything else (extra text included).
    var object: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
    }

    /// The `ips` of a result, as `address` strings.
    var addresses: [String] {
        ((object?["ips"] as? [[String: Any]]) ?? []).compactMap { $0["address"] as? String }
    }
}

struct CNIHarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where the system tools are.
enum CNITools {
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func find(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool with a fixed PATH; throws with its output when it fails.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ["PATH": path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CNIHarnessFailure("`\(arguments.joined(separator: " "))` failed (exit \(process.terminationStatus)): \(output)")
        }
        return output
    }
}

/// A temporary CNI plugin directory (our plugins installed by `spiderctl cni install --dir`, and
/// links to reference plugins on demand), a store, and a place for the plugins' stdin/stdout.
final class CNIWorkspace {
    let root: String
    var bin: String { root + "/bin" }
    var store: String { root + "/store" }
    var io: String { root + "/io" }

    init(_ tag: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("spiderctl-cni-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/io", withIntermediateDirectories: true)
        let installed = try CLIRunner.run(["cni", "install", "--dir", root + "/bin"])
        guard installed.status == 0 else { throw CNIHarnessFailure("spiderctl cni install --dir \(bin): \(installed)") }
        for name in ["spiderpool", "coordinator"] {
            let path = bin + "/" + name
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw CNIHarnessFailure("spiderctl cni install did not make \(path): \(installed)")
            }
            guard installed.stdout.contains("installed \(path)") else {
                throw CNIHarnessFailure("spiderctl cni install did not report \(path): \(installed)")
            }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var spiderpool: String { bin + "/spiderpool" }
    var coordinator: String { bin + "/coordinator" }

    /// Links `/usr/lib/cni/NAME` into the plugin directory.
    func linkReference(_ name: String) throws {
        try FileManager.default.createSymbolicLink(atPath: bin + "/" + name, withDestinationPath: "/usr/lib/cni/" + name)
    }

    /// `spiderctl pool apply` of a SpiderIPPool.
    func applyPool(_ name: String, subnet: String, ips: [String], gateway: String? = nil) throws {
        var manifest = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: \(name)
            spec:
              subnet: \(subnet)

            """
        if let gateway { manifest += "  gateway: \(gateway)\n" }
        manifest += "  ips:\n" + ips.map { "  - \($0)\n" }.joined()
        let file = io + "/pool-\(name).yaml"
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: file))
        let result = try CLIRunner.run(["pool", "apply", "-f", file, "--store", store])
        guard result.status == 0 else { throw CNIHarnessFailure("pool apply \(name): \(result)") }
    }

    /// `spiderctl ip list -o json`: "containerID/interface" -> (ipv4, ipv6), CIDR form, "" when none.
    func holdings() throws -> [String: (ipv4: String, ipv6: String)] {
        let result = try CLIRunner.run(["ip", "list", "-o", "json", "--store", store])
        guard result.status == 0, let items = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] else {
            throw CNIHarnessFailure("ip list: \(result)")
        }
        var held: [String: (ipv4: String, ipv6: String)] = [:]
        for item in items {
            guard let id = item["containerID"] as? String, let interface = item["interface"] as? String else {
                throw CNIHarnessFailure("ip list: bad item \(item)")
            }
            held["\(id)/\(interface)"] = ((item["ipv4"] as? String) ?? "", (item["ipv6"] as? String) ?? "")
        }
        return held
    }

    /// A CNI environment, built from nothing.
    static func environment(_ command: String?, containerID: String? = nil, ifname: String? = nil, netns: String? = nil,
                            args: String? = nil, path: String? = nil) -> [String: String] {
        var environment: [String: String] = [:]
        environment["CNI_COMMAND"] = command
        environment["CNI_CONTAINERID"] = containerID
        environment["CNI_IFNAME"] = ifname
        environment["CNI_NETNS"] = netns
        environment["CNI_ARGS"] = args
        environment["CNI_PATH"] = path
        return environment
    }

    /// Runs a plugin with exactly `environment` (plus PATH when run inside `namespace`, where
    /// `ip netns exec NAMESPACE env -i ...` starts it) and `stdin`.
    func execute(_ executable: String, _ environment: [String: String], stdin: String, namespace: String? = nil,
                 arguments: [String] = []) throws -> CNIOutcome {
        let id = UUID().uuidString
        let input = io + "/\(id).in", output = io + "/\(id).out", errors = io + "/\(id).err"
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: input))
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        defer { for file in [input, output, errors] { unlink(file) } }
        let process = Process()
        if let namespace {
            guard let ip = CNITools.find("ip") else { throw CNIHarnessFailure("ip is missing: apt-get install -y iproute2") }
            process.executableURL = URL(fileURLWithPath: ip)
            var words = environment
            words["PATH"] = CNITools.path
            process.arguments = ["netns", "exec", namespace, "/usr/bin/env", "-i"] + words.keys.sorted().map { "\($0)=\(words[$0]!)" } + [executable]
            process.environment = ["PATH": CNITools.path]
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
        }
        let stdinHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardInput = stdinHandle
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        process.waitUntilExit()
        try? stdinHandle.close()
        try? stdoutHandle.close()
        try? stderrHandle.close()
        let read = { (file: String) in String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) }
        return CNIOutcome(status: process.terminationStatus, stdout: read(output), stderr: read(errors))
    }
}

/// JSON text of a configuration.
func cniJSON(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// A CNI error: non-zero exit, stdout exactly one JSON object (one line) with `cniVersion`,
/// `code`, `msg` (and optional `details`), nothing else.
func expectCNIError(_ outcome: CNIOutcome, code: Int, version: String? = nil, _ context: String = "",
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(outcome.status != 0, "\(context): expected a failure: \(outcome)", sourceLocation: sourceLocation)
    guard let object = outcome.object else {
        Issue.record("\(context): stdout is not exactly one JSON object: \(outcome)", sourceLocation: sourceLocation)
        return
    }
    let text = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!text.contains("\n"), "\(context): the error must be one line: \(outcome)", sourceLocation: sourceLocation)
    #expect(object["code"] as? Int == code, "\(context): expected code \(code): \(outcome)", sourceLocation: sourceLocation)
    #expect(object["cniVersion"] is String, "\(context): no cniVersion: \(outcome)", sourceLocation: sourceLocation)
    if let version { #expect(object["cniVersion"] as? String == version, "\(context): expected cniVersion \(version): \(outcome)", sourceLocation: sourceLocation) }
    #expect(((object["msg"] as? String) ?? "").isEmpty == false, "\(context): no msg: \(outcome)", sourceLocation: sourceLocation)
    let unexpected = Set(object.keys).subtracting(["cniVersion", "code", "msg", "details"])
    #expect(unexpected.isEmpty, "\(context): unexpected keys \(unexpected.sorted()): \(outcome)", sourceLocation: sourceLocation)
    if let details = object["details"] { #expect(details is String, "\(context): details must be a string", sourceLocation: sourceLocation) }
}

/// A success with nothing on stdout (DEL, CHECK, GC, STATUS).
func expectQuietSuccess(_ outcome: CNIOutcome, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(outcome.status == 0, "\(context): \(outcome)", sourceLocation: sourceLocation)
    #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(context): stdout must be empty: \(outcome)", sourceLocation: sourceLocation)
}

@Suite("CNI protocol through the spiderpool and coordinator binaries")
struct CNIProtocolTests {
    static let allVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]
    static let netns = "/proc/self/ns/net"

    /// A workspace with pool `p4` (10.20.0.10-10.20.0.14 in 10.20.0.0/24, gateway 10.20.0.1).
    static func workspace(_ tag: String) throws -> CNIWorkspace {
        let workspace = try CNIWorkspace(tag)
        try workspace.applyPool("p4", subnet: "10.20.0.0/24", ips: ["10.20.0.10-10.20.0.14"], gateway: "10.20.0.1")
        return workspace
    }

    static func ipamConfig(_ workspace: CNIWorkspace, version: String = "1.0.0", _ extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = ["cniVersion": version, "name": "net-test", "type": "spiderpool",
                                     "default_ipv4_ippool": ["p4"], "store": workspace.store]
        for (key, value) in extra { object[key] = value }
        return cniJSON(object)
    }

    static func add(_ workspace: CNIWorkspace, _ id: String, _ ifname: String = "eth0", config: String, args: String? = nil) throws -> CNIOutcome {
        try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: id, ifname: ifname, netns: netns, args: args), stdin: config)
    }

    static func verb(_ workspace: CNIWorkspace, _ command: String, _ id: String, _ ifname: String = "eth0", config: String,
                     netns: String? = CNIProtocolTests.netns) throws -> CNIOutcome {
        try workspace.execute(workspace.spiderpool, CNIWorkspace.environment(command, containerID: id, ifname: ifname, netns: netns), stdin: config)
    }

    // MARK: VERSION

    @Test("VERSION lists the supported versions and echoes the config's cniVersion", arguments: ["spiderpool", "coordinator"])
    func version(plugin: String) throws {
        let workspace = try CNIWorkspace("version")
        for configVersion in CNIProtocolTests.allVersions {
            let outcome = try workspace.execute(workspace.bin + "/" + plugin, ["CNI_COMMAND": "VERSION"], stdin: cniJSON(["cniVersion": configVersion]))
            #expect(outcome.status == 0, "\(outcome)")
            let object = try #require(outcome.object, "VERSION must print one JSON object: \(outcome)")
            #expect(object["cniVersion"] as? String == configVersion, "\(outcome)")
            let supported = try #require(object["supportedVersions"] as? [String], "\(outcome)")
            #expect(Set(supported) == Set(CNIProtocolTests.allVersions), "\(outcome)")
            #expect(Set(object.keys) == ["cniVersion", "supportedVersions"], "\(outcome)")
        }
    }

    @Test("VERSION needs nothing but CNI_COMMAND: other variables are not judged")
    func versionIgnoresOtherVariables() throws {
        let workspace = try CNIWorkspace("version-env")
        let environment = ["CNI_COMMAND": "VERSION", "CNI_CONTAINERID": "../x", "CNI_IFNAME": "much-too-long-ifname", "CNI_ARGS": "Foo=bar"]
        for plugin in [workspace.spiderpool, workspace.coordinator] {
            let outcome = try workspace.execute(plugin, environment, stdin: cniJSON(["cniVersion": "1.0.0"]))
            #expect(outcome.status == 0, "\(plugin): \(outcome)")
            #expect(outcome.object?["supportedVersions"] is [String], "\(plugin): \(outcome)")
        }
    }

    // MARK: Bad input

    @Test("stdin that is not a JSON object is error 6", arguments: ["spiderpool", "coordinator"])
    func undecodableStdin(plugin: String) throws {
        let workspace = try CNIProtocolTests.workspace("stdin")
        for stdin in ["not json", "", "[1, 2]", "{\"cniVersion\": \"1.0.0\""] {
            let outcome = try workspace.execute(workspace.bin + "/" + plugin,
                                                CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: CNIProtocolTests.netns), stdin: stdin)
            expectCNIError(outcome, code: 6, "\(plugin) stdin '\(stdin)'")
        }
        #expect(try workspace.holdings().isEmpty)
    }

    @Test("wrong JSON types: coordinator vethMTU \"x\" is 6, IPAM default_ipv4_ippool 5 is 7")
    func wrongTypes() throws {
        let workspace = try CNIProtocolTests.workspace("types")
        let prevResult: [String: Any] = ["cniVersion": "1.0.0", "interfaces": [["name": "net1", "sandbox": CNIProtocolTests.netns]],
                                         "ips": [["address": "10.20.0.10/24", "gateway": "10.20.0.1", "interface": 0]]]
        let coordinator = cniJSON(["cniVersion": "1.0.0", "name": "net-test", "type": "coordinator", "mode": "overlay",
                                   "vethMTU": "x", "prevResult": prevResult])
        let outcome = try workspace.execute(workspace.coordinator,
                                            CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: CNIProtocolTests.netns), stdin: coordinator)
        expectCNIError(outcome, code: 6, version: "1.0.0", "coordinator vethMTU \"x\"")

        let ipam = CNIProtocolTests.ipamConfig(workspace, ["default_ipv4_ippool": 5])
        expectCNIError(try CNIProtocolTests.add(workspace, "c1", config: ipam), code: 7, version: "1.0.0", "default_ipv4_ippool 5")
        #expect(try workspace.holdings().isEmpty)
    }

    @Test("an unknown cniVersion is error 1", arguments: ["spiderpool", "coordinator"])
    func unknownVersion(plugin: String) throws {
        let workspace = try CNIProtocolTests.workspace("badversion")
        for version in ["9.9.9", "0.2.0", "1.0"] {
            var config: [String: Any] = ["cniVersion": version, "name": "net-test", "type": plugin, "default_ipv4_ippool": ["p4"],
                                         "store": workspace.store]
            if plugin == "coordinator" { config["prevResult"] = ["cniVersion": version, "ips": [["address": "10.20.0.10/24"]]] }
            let outcome = try workspace.execute(workspace.bin + "/" + plugin,
                                                CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: CNIProtocolTests.netns),
                                                stdin: cniJSON(config))
            expectCNIError(outcome, code: 1, "\(plugin) cniVersion \(version)")
        }
        #expect(try workspace.holdings().isEmpty)
    }

    @Test("cniVersions: the highest version both sides support is used")
    func versionNegotiation() throws {
        let workspace = try CNIProtocolTests.workspace("negotiate")
        func add(_ id: String, _ versions: [String], cniVersion: String? = nil) throws -> CNIOutcome {
            var config: [String: Any] = ["name": "net-test", "type": "spiderpool", "default_ipv4_ippool": ["p4"], "store": workspace.store,
                                         "cniVersions": versions]
            config["cniVersion"] = cniVersion
            return try CNIProtocolTests.add(workspace, id, config: cniJSON(config))
        }
        let first = try add("c1", ["0.4.0", "1.0.0", "9.9.9"])
        #expect(first.status == 0, "\(first)")
        #expect(first.object?["cniVersion"] as? String == "1.0.0", "\(first)")
        #expect(((first.object?["ips"] as? [[String: Any]])?.first)?["version"] == nil, "1.0.0 has no version in ips: \(first)")

        let second = try add("c2", ["0.3.1", "0.3.0"])
        #expect(second.object?["cniVersion"] as? String == "0.3.1", "\(second)")
        #expect(((second.object?["ips"] as? [[String: Any]])?.first)?["version"] as? String == "4", "\(second)")

        let third = try add("c3", ["1.1.0", "0.4.0"], cniVersion: "1.1.0")
        #expect(third.object?["cniVersion"] as? String == "1.1.0", "\(third)")

        let none = try add("c4", ["9.9.9", "2.0.0"])
        expectCNIError(none, code: 1, "no common version")
        #expect(try workspace.holdings()["c4/eth0"] == nil)
    }

    @Test("invalid environment is error 4 and holds nothing")
    func invalidEnvironment() throws {
        let workspace = try CNIProtocolTests.workspace("env")
        let config = CNIProtocolTests.ipamConfig(workspace)
        let netns = CNIProtocolTests.netns
        let cases: [(String, [String: String])] = [
            ("missing CNI_COMMAND", CNIWorkspace.environment(nil, containerID: "c1", ifname: "eth0", netns: netns)),
            ("unknown CNI_COMMAND", CNIWorkspace.environment("ATTACH", containerID: "c1", ifname: "eth0", netns: netns)),
            ("lowercase CNI_COMMAND", CNIWorkspace.environment("add", containerID: "c1", ifname: "eth0", netns: netns)),
            ("container ID ../x", CNIWorkspace.environment("ADD", containerID: "../x", ifname: "eth0", netns: netns)),
            ("container ID with /", CNIWorkspace.environment("ADD", containerID: "a/b", ifname: "eth0", netns: netns)),
            ("empty container ID", CNIWorkspace.environment("ADD", containerID: "", ifname: "eth0", netns: netns)),
            ("missing container ID", CNIWorkspace.environment("ADD", ifname: "eth0", netns: netns)),
            ("ifname of 16 bytes", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "abcdefghijklmnop", netns: netns)),
            ("ifname ..", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "..", netns: netns)),
            ("ifname with /", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "a/b", netns: netns)),
            ("ifname with a space", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "a b", netns: netns)),
            ("missing ifname", CNIWorkspace.environment("ADD", containerID: "c1", netns: netns)),
            ("missing CNI_NETNS on ADD", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0")),
            ("unknown CNI_ARGS key", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: netns, args: "Foo=bar")),
            ("unknown key with IgnoreUnknown=0", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: netns,
                                                                          args: "IgnoreUnknown=0;Foo=bar")),
            ("CNI_ARGS pair without =", CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: netns, args: "K8S_POD_NAME")),
            ("DEL with container ID ../x", CNIWorkspace.environment("DEL", containerID: "../x", ifname: "eth0", netns: netns)),
            ("CHECK with ifname too long", CNIWorkspace.environment("CHECK", containerID: "c1", ifname: "abcdefghijklmnop", netns: netns)),
        ]
        for (name, environment) in cases {
            for plugin in [workspace.spiderpool, workspace.coordinator] {
                expectCNIError(try workspace.execute(plugin, environment, stdin: config), code: 4, version: "1.0.0", "\(name) (\(plugin))")
            }
        }
        #expect(try workspace.holdings().isEmpty)

        // The same unknown key is fine with IgnoreUnknown (any spelling of true).
        for (index, ignore) in ["1", "true", "TRUE", "True"].enumerated() {
            let outcome = try CNIProtocolTests.add(workspace, "ok\(index)", config: config,
                                                   args: "IgnoreUnknown=\(ignore);Foo=bar;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web")
            #expect(outcome.status == 0, "IgnoreUnknown=\(ignore): \(outcome)")
        }
        #expect(try workspace.holdings().count == 4)
    }

    // MARK: Results

    @Test("the result is printed in the config's version", arguments: CNIProtocolTests.allVersions)
    func resultPerVersion(version: String) throws {
        let workspace = try CNIProtocolTests.workspace("result")
        let outcome = try CNIProtocolTests.add(workspace, "c1", config: CNIProtocolTests.ipamConfig(workspace, version: version))
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.hasSuffix("\n") && outcome.stdout.dropLast().contains("\n") == false, "one line: \(outcome)")
        let object = try #require(outcome.object, "\(outcome)")
        #expect(object["cniVersion"] as? String == version)
        #expect(object["interfaces"] == nil, "an IPAM plugin returns no interfaces: \(outcome)")
        let ips = try #require(object["ips"] as? [[String: Any]], "\(outcome)")
        try #require(ips.count == 1, "\(outcome)")
        #expect(ips[0]["address"] as? String == "10.20.0.10/24", "\(outcome)")
        #expect(ips[0]["gateway"] as? String == "10.20.0.1", "\(outcome)")
        #expect(ips[0]["interface"] == nil, "an IPAM plugin sets no interface index: \(outcome)")
        if ["0.3.0", "0.3.1", "0.4.0"].contains(version) {
            #expect(ips[0]["version"] as? String == "4", "\(version) has version in ips: \(outcome)")
        } else {
            #expect(ips[0]["version"] == nil, "\(version) has no version in ips: \(outcome)")
        }
        let routes = try #require(object["routes"] as? [[String: Any]], "\(outcome)")
        #expect(routes.contains { $0["dst"] as? String == "0.0.0.0/0" && $0["gw"] as? String == "10.20.0.1" }, "\(outcome)")
    }

    @Test("a chained coordinator that changes nothing (mode disabled) prints prevResult unchanged, 1.1.0 fields included")
    func coordinatorEchoesPrevResult() throws {
        let workspace = try CNIWorkspace("echo")
        let prevResult: [String: Any] = [
            "cniVersion": "1.1.0",
            "interfaces": [["name": "net1", "mac": "aa:bb:cc:dd:ee:ff", "mtu": 1400, "sandbox": "/var/run/netns/p1",
                            "socketPath": "/run/vhost/net1.sock", "pciID": "0000:00:1f.6"]],
            "ips": [["address": "10.20.0.10/24", "gateway": "10.20.0.1", "interface": 0],
                    ["address": "fd00:20::10/64", "gateway": "fd00:20::1", "interface": 0]],
            "routes": [["dst": "0.0.0.0/0", "gw": "10.20.0.1"],
                       ["dst": "10.99.0.0/16", "gw": "10.20.0.1", "mtu": 1300, "advmss": 1260, "priority": 10, "table": 200, "scope": 0]],
            "dns": ["nameservers": ["10.96.0.10"], "domain": "cluster.local", "search": ["default.svc.cluster.local"], "options": ["ndots:5"]],
        ]
        let config = cniJSON(["cniVersion": "1.1.0", "name": "net-test", "type": "coordinator", "mode": "disabled", "prevResult": prevResult])
        let outcome = try workspace.execute(workspace.coordinator,
                                            CNIWorkspace.environment("ADD", containerID: "c1", ifname: "net1", netns: CNIProtocolTests.netns), stdin: config)
        #expect(outcome.status == 0, "\(outcome)")
        let printed = try #require(outcome.object, "\(outcome)")
        #expect(NSDictionary(dictionary: printed).isEqual(to: prevResult), "the result must be prevResult unchanged:\nsent \(cniJSON(prevResult))\ngot  \(outcome.stdout)")
    }

    // MARK: IPAM verbs

    @Test("ADD is idempotent per (container ID, ifname); another ifname gets another address")
    func addIdempotent() throws {
        let workspace = try CNIProtocolTests.workspace("idempotent")
        let config = CNIProtocolTests.ipamConfig(workspace)
        let first = try CNIProtocolTests.add(workspace, "c1", config: config)
        let again = try CNIProtocolTests.add(workspace, "c1", config: config)
        let other = try CNIProtocolTests.add(workspace, "c1", "net1", config: config)
        #expect(first.status == 0 && again.status == 0 && other.status == 0, "\(first)\n\(again)\n\(other)")
        #expect(first.addresses == ["10.20.0.10/24"], "\(first)")
        #expect(again.addresses == first.addresses, "a repeated ADD returns the same address: \(again)")
        #expect(other.addresses.count == 1 && other.addresses != first.addresses, "\(other)")
        let held = try workspace.holdings()
        #expect(held.count == 2, "\(held)")
        #expect(held["c1/eth0"]?.ipv4 == "10.20.0.10/24")
    }

    @Test("DEL succeeds twice, when nothing is held, and without CNI_NETNS; CHECK fails with 105 after DEL")
    func delAndCheck() throws {
        let workspace = try CNIProtocolTests.workspace("del")
        let config = CNIProtocolTests.ipamConfig(workspace)
        #expect(try CNIProtocolTests.add(workspace, "c1", config: config).status == 0)
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "CHECK", "c1", config: config), "CHECK after ADD")
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "DEL", "c1", config: config), "DEL")
        #expect(try workspace.holdings().isEmpty)
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "DEL", "c1", config: config), "second DEL")
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "DEL", "never-added", config: config), "DEL of nothing")
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "DEL", "c1", config: config, netns: nil), "DEL without CNI_NETNS")
        expectQuietSuccess(try CNIProtocolTests.verb(workspace, "DEL", "c1", config: config, netns: "/var/run/netns/gone-\(UUID().uuidString)"),
                           "DEL with the netns gone")
        expectCNIError(try CNIProtocolTests.verb(workspace, "CHECK", "c1", config: config), code: 105, version: "1.0.0", "CHECK after DEL")
        expectCNIError(try CNIProtocolTests.verb(workspace, "CHECK", "never-added", config: config), code: 105, "CHECK of nothing")
        // The address is free again.
        #expect(try CNIProtocolTests.add(workspace, "c2", config: config).addresses == ["10.20.0.10/24"])
    }

    @Test("GC releases every attachment not listed and keeps the listed ones", arguments: ["cni.dev/valid-attachments", "cni.dev/attachments"])
    func gc(key: String) throws {
        let workspace = try CNIProtocolTests.workspace("gc")
        let config = CNIProtocolTests.ipamConfig(workspace)
        for (id, ifname) in [("a", "eth0"), ("a", "net1"), ("b", "eth0"), ("c", "eth0")] {
            #expect(try CNIProtocolTests.add(workspace, id, ifname, config: config).status == 0)
        }
        let before = try workspace.holdings()
        let gcConfig = CNIProtocolTests.ipamConfig(workspace, version: "1.1.0",
                                                   [key: [["containerID": "a", "ifname": "eth0"], ["containerID": "c", "ifname": "eth0"]]])
        expectQuietSuccess(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "GC"], stdin: gcConfig), "GC")
        let after = try workspace.holdings()
        #expect(Set(after.keys) == ["a/eth0", "c/eth0"], "\(after.keys.sorted())")
        #expect(after["a/eth0"]?.ipv4 == before["a/eth0"]?.ipv4)
        #expect(after["c/eth0"]?.ipv4 == before["c/eth0"]?.ipv4)
        // A second GC with the same list changes nothing.
        expectQuietSuccess(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "GC"], stdin: gcConfig), "second GC")
        #expect(Set(try workspace.holdings().keys) == ["a/eth0", "c/eth0"])
    }

    @Test("GC with a valid-attachments list of the wrong type refuses and releases nothing")
    func gcMalformedList() throws {
        let workspace = try CNIProtocolTests.workspace("gc-bad")
        let config = CNIProtocolTests.ipamConfig(workspace)
        #expect(try CNIProtocolTests.add(workspace, "a", config: config).status == 0)
        #expect(try CNIProtocolTests.add(workspace, "b", config: config).status == 0)
        let malformed: [Any] = ["a/eth0", ["a", "b"], [["containerID": 5, "ifname": "eth0"]]]
        for bad in malformed {
            let gcConfig = CNIProtocolTests.ipamConfig(workspace, version: "1.1.0", ["cni.dev/valid-attachments": bad])
            let outcome = try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "GC"], stdin: gcConfig)
            #expect(outcome.status != 0, "GC with cni.dev/valid-attachments = \(bad) must be refused: \(outcome)")
            #expect(Set(try workspace.holdings().keys) == ["a/eth0", "b/eth0"], "GC with \(bad) released listed-or-not attachments")
        }
    }

    @Test("STATUS: 0 on a usable store, 50 on an unusable one")
    func status() throws {
        let workspace = try CNIProtocolTests.workspace("status")
        let usable = CNIProtocolTests.ipamConfig(workspace, version: "1.1.0")
        expectQuietSuccess(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "STATUS"], stdin: usable), "STATUS")
        let file = workspace.root + "/a-regular-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let unusable = CNIProtocolTests.ipamConfig(workspace, version: "1.1.0", ["store": file + "/store"])
        expectCNIError(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "STATUS"], stdin: unusable), code: 50, version: "1.1.0",
                       "STATUS with the store under a regular file")
    }

    @Test("CHECK before 0.4.0 and GC/STATUS before 1.1.0 are refused with code 1")
    func verbsNewerThanTheConfig() throws {
        let workspace = try CNIProtocolTests.workspace("verb-versions")
        #expect(try CNIProtocolTests.add(workspace, "c1", config: CNIProtocolTests.ipamConfig(workspace, version: "0.3.1")).status == 0)
        expectCNIError(try CNIProtocolTests.verb(workspace, "CHECK", "c1", config: CNIProtocolTests.ipamConfig(workspace, version: "0.3.1")),
                       code: 1, "CHECK with 0.3.1")
        expectCNIError(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "GC"],
                                             stdin: CNIProtocolTests.ipamConfig(workspace, version: "1.0.0", ["cni.dev/valid-attachments": [[String: String]]()])),
                       code: 1, "GC with 1.0.0")
        #expect(try workspace.holdings()["c1/eth0"] != nil, "a refused GC releases nothing")
        expectCNIError(try workspace.execute(workspace.spiderpool, ["CNI_COMMAND": "STATUS"], stdin: CNIProtocolTests.ipamConfig(workspace, version: "1.0.0")),
                       code: 1, "STATUS with 1.0.0")
    }

    @Test("an exhausted pool is error 101 and holds nothing (also across families)")
    func exhausted() throws {
        let workspace = try CNIWorkspace("exhausted")
        try workspace.applyPool("small4", subnet: "10.30.0.0/24", ips: ["10.30.0.10-10.30.0.11"], gateway: "10.30.0.1")
        try workspace.applyPool("small6", subnet: "fd00:30::/64", ips: ["fd00:30::10"], gateway: "fd00:30::1")
        let v4 = cniJSON(["cniVersion": "0.4.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": ["small4"], "store": workspace.store])
        #expect(try CNIProtocolTests.add(workspace, "c1", config: v4).status == 0)
        #expect(try CNIProtocolTests.add(workspace, "c2", config: v4).status == 0)
        expectCNIError(try CNIProtocolTests.add(workspace, "c3", config: v4), code: 101, version: "0.4.0", "third ADD from two addresses")
        #expect(try workspace.holdings()["c3/eth0"] == nil)

        // Dual stack: IPv4 would fit, IPv6 is full: all or nothing.
        #expect(try CNIProtocolTests.verb(workspace, "DEL", "c2", config: v4).status == 0)
        let v6Only = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv6_ippool": ["small6"], "store": workspace.store])
        #expect(try CNIProtocolTests.add(workspace, "h6", config: v6Only).status == 0)
        let dual = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": ["small4"],
                            "default_ipv6_ippool": ["small6"], "store": workspace.store])
        expectCNIError(try CNIProtocolTests.add(workspace, "d1", config: dual), code: 101, version: "1.0.0", "dual stack with IPv6 full")
        let held = try workspace.holdings()
        #expect(held["d1/eth0"] == nil, "the IPv4 address taken before IPv6 failed must be given back: \(held)")
        #expect(Set(held.keys) == ["c1/eth0", "h6/eth0"], "\(held.keys.sorted())")
    }

    @Test("a fixed address through IP= in CNI_ARGS and through runtimeConfig.ips")
    func fixedAddresses() throws {
        let workspace = try CNIProtocolTests.workspace("fixed")
        let config = CNIProtocolTests.ipamConfig(workspace)
        let byArgs = try CNIProtocolTests.add(workspace, "c1", config: config, args: "IgnoreUnknown=1;IP=10.20.0.13")
        #expect(byArgs.addresses == ["10.20.0.13/24"], "\(byArgs)")
        let runtime = CNIProtocolTests.ipamConfig(workspace, ["runtimeConfig": ["ips": ["10.20.0.12/24"]]])
        let byRuntime = try CNIProtocolTests.add(workspace, "c2", config: runtime)
        #expect(byRuntime.addresses == ["10.20.0.12/24"], "\(byRuntime)")
        let held = try workspace.holdings()
        #expect(held["c1/eth0"]?.ipv4 == "10.20.0.13/24" && held["c2/eth0"]?.ipv4 == "10.20.0.12/24", "\(held)")
        // Taken already: refused, nothing more held.
        let taken = try CNIProtocolTests.add(workspace, "c3", config: config, args: "IP=10.20.0.13")
        #expect(taken.status != 0 && taken.object?["code"] as? Int == 102, "\(taken)")
        #expect(try workspace.holdings()["c3/eth0"] == nil)
    }

    @Test("the pool comes from the config's args ipam.spidernet.io/ippool before the IPAM defaults")
    func poolFromArgs() throws {
        let workspace = try CNIProtocolTests.workspace("args")
        try workspace.applyPool("other4", subnet: "10.40.0.0/24", ips: ["10.40.0.50-10.40.0.51"], gateway: "10.40.0.1")
        let asText = CNIProtocolTests.ipamConfig(workspace, ["args": ["ipam.spidernet.io/ippool": "{\"ipv4\":[\"other4\"]}"]])
        let first = try CNIProtocolTests.add(workspace, "c1", config: asText)
        #expect(first.addresses == ["10.40.0.50/24"], "\(first)")
        #expect((first.object?["ips"] as? [[String: Any]])?.first?["gateway"] as? String == "10.40.0.1", "\(first)")
        let asObject = CNIProtocolTests.ipamConfig(workspace, ["args": ["ipam.spidernet.io/ippool": ["ipv4": ["other4"]]]])
        #expect(try CNIProtocolTests.add(workspace, "c2", config: asObject).addresses == ["10.40.0.51/24"])
        let plain = try CNIProtocolTests.add(workspace, "c3", config: CNIProtocolTests.ipamConfig(workspace))
        #expect(plain.addresses == ["10.20.0.10/24"], "\(plain)")
        let bad = CNIProtocolTests.ipamConfig(workspace, ["args": ["ipam.spidernet.io/ippool": "{not json"]])
        expectCNIError(try CNIProtocolTests.add(workspace, "c4", config: bad), code: 7, "a malformed ippool annotation")
        #expect(try workspace.holdings()["c4/eth0"] == nil)
    }

    @Test("Multus cni-args arrive under args.cni and are read there; the top of args wins")
    func poolFromMultusCNIArgs() throws {
        let workspace = try CNIProtocolTests.workspace("multus-args")
        try workspace.applyPool("other4", subnet: "10.40.0.0/24", ips: ["10.40.0.50-10.40.0.51"], gateway: "10.40.0.1")
        let nested = CNIProtocolTests.ipamConfig(workspace, ["args": ["cni": ["ipam.spidernet.io/ippool": "{\"ipv4\":[\"other4\"]}"]]])
        #expect(try CNIProtocolTests.add(workspace, "c1", config: nested).addresses == ["10.40.0.50/24"])
        let both = CNIProtocolTests.ipamConfig(workspace, ["args": ["ipam.spidernet.io/ippool": "{\"ipv4\":[\"p4\"]}",
                                                                    "cni": ["ipam.spidernet.io/ippool": "{\"ipv4\":[\"other4\"]}"]]])
        #expect(try CNIProtocolTests.add(workspace, "c2", config: both).addresses == ["10.20.0.10/24"])
    }
}

/// Inputs the review of session 2 found unguarded.
@Suite("CNI protocol: store and DEL edge cases")
struct CNIEdgeCaseTests {
    @Test("an empty IPAM store is a configuration error (code 7), not a store failure")
    func emptyStore() throws {
        let workspace = try CNIProtocolTests.workspace("empty-store")
        let config = CNIProtocolTests.ipamConfig(workspace, ["store": ""])
        expectCNIError(try CNIProtocolTests.add(workspace, "c1", config: config), code: 7, "store \"\"")
    }

    @Test("coordinator DEL with the Pod's namespace gone succeeds without reading its configuration")
    func delWithoutNetnsIgnoresConfig() throws {
        let workspace = try CNIWorkspace("del-gone")
        let bad = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "coordinator", "mode": "bogus",
                           "spiderCoordinator": "/nonexistent/spidercoordinator.yaml"])
        let environment = CNIWorkspace.environment("DEL", containerID: "c1", ifname: "net1", netns: "/var/run/netns/gone-spq-del")
        expectQuietSuccess(try workspace.execute(workspace.coordinator, environment, stdin: bad), "DEL, netns gone")
        // With the namespace there, the same configuration is refused.
        let present = CNIWorkspace.environment("DEL", containerID: "c1", ifname: "net1", netns: "/proc/self/ns/net")
        expectCNIError(try workspace.execute(workspace.coordinator, present, stdin: bad), code: 7, "DEL, netns present")
    }
}
