import Foundation
import LedgerTestSupport
import Testing

/// The outside probe's findings on the `spiderpool` plugin and the CLI (issue 14), through the
/// real binary: each test failed on the code before its fix.
@Suite("IPAM and CLI hardening (issue 14)", .serialized)
struct IPAMHardeningTests {
    static func pool(_ workspace: CNIWorkspace) throws {
        try workspace.applyPool("p4", subnet: "10.20.0.0/24", ips: ["10.20.0.10-10.20.0.14"], gateway: "10.20.0.1")
    }

    static func run(_ arguments: [String]) throws -> CLIRunner.Result { try CLIRunner.run(arguments) }

    static func listed(_ workspace: CNIWorkspace) throws -> [[String: Any]] {
        try listed(store: workspace.store)
    }

    static func listed(store: String) throws -> [[String: Any]] {
        let result = try run(["ip", "list", "-o", "json", "--store", store])
        #expect(result.status == 0, "\(result)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] ?? []
    }

    // MARK: Item 2

    @Test("2: gc keeps a valid attachment whose record is damaged; ip list shows each damaged record")
    func damagedRecordGC() throws {
        // Records are damaged only in a first-layout store (a row of the database is whole or
        // absent): migrated, they stay held, with the owner the owners index told.
        let workspace = try CNIWorkspace("damaged")
        let store = try FirstLayoutFixture.unpack(into: workspace.root)
        let valid = workspace.io + "/valid.json"
        try Data(#"[{"containerID": "c2", "ifname": "eth0"}]"#.utf8).write(to: URL(fileURLWithPath: valid))

        let items = try Self.listed(store: store)
        let damaged = items.filter { $0["damaged"] as? Bool == true }
        #expect(damaged.count == 1, "each damaged record is its own row: \(items)")
        #expect(damaged.contains { $0["containerID"] as? String == "c2" && $0["ipv4"] as? String == "10.20.0.11/24" }, "\(items)")

        let gc = try Self.run(["gc", "--valid-attachments", valid, "--store", store])
        #expect(gc.status == 0, "\(gc)")
        #expect(!gc.stdout.contains("10.20.0.11"), "c2's address must stay held: \(gc)")
        let next = try Self.run(["ip", "allocate", "--pool", "v4-pool", "--container-id", "k7", "--ifname", "eth0", "--store", store])
        #expect(next.status == 0 && next.stdout != "10.20.0.11/24\n", "\(next)")
    }

    // MARK: Item 3

    @Test("3: cni install refuses a directory where a plugin belongs and leaves it whole")
    func installRefusesDirectories() throws {
        let workspace = try CNIWorkspace("install")
        let target = workspace.root + "/plugins"
        try FileManager.default.createDirectory(atPath: target + "/spiderpool", withIntermediateDirectories: true)
        try Data("data".utf8).write(to: URL(fileURLWithPath: target + "/spiderpool/keep"))
        let result = try Self.run(["cni", "install", "--dir", target])
        #expect(result.status == 1 && result.stderr.contains("not a file or a symbolic link"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: target + "/spiderpool/keep"))
        #expect(!FileManager.default.fileExists(atPath: target + "/coordinator"), "nothing is installed when one name is refused")
        // Files and links are replaced.
        try FileManager.default.removeItem(atPath: target + "/spiderpool")
        try Data("old".utf8).write(to: URL(fileURLWithPath: target + "/spiderpool"))
        let again = try Self.run(["cni", "install", "--dir", target])
        #expect(again.status == 0, "\(again)")
    }

    // MARK: Item 4

    @Test("4: a store path that is not a store (\"/\"-like: other files, a tmp/ of its own) is refused by gc and the plugin")
    func foreignStore() throws {
        let workspace = try CNIWorkspace("foreign")
        let foreign = workspace.root + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign + "/tmp", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: foreign + "/tmp/999999999-x"))
        try Data().write(to: URL(fileURLWithPath: foreign + "/etc-file"))
        let valid = workspace.io + "/valid.json"
        try Data("[]".utf8).write(to: URL(fileURLWithPath: valid))
        let gc = try Self.run(["gc", "--valid-attachments", valid, "--store", foreign])
        #expect(gc.status == 1 && gc.stderr.contains("not a spiderpool store"), "\(gc)")
        #expect(FileManager.default.fileExists(atPath: foreign + "/tmp/999999999-x"))
        let config = cniJSON(["cniVersion": "1.1.0", "name": "n", "type": "spiderpool", "store": foreign, "cni.dev/valid-attachments": []])
        expectCNIError(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("GC"), stdin: config), code: 104, "GC on a foreign directory")
        #expect(FileManager.default.fileExists(atPath: foreign + "/tmp/999999999-x"))
    }

    // MARK: Item 9

    @Test("9: a configuration over 1 MiB is refused with code 7 before it is parsed", arguments: ["spiderpool", "coordinator"])
    func largeStdin(plugin: String) throws {
        let workspace = try CNIWorkspace("large")
        let objects = String(repeating: "{\"a\":1},", count: 300_000)
        let stdin = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"\(plugin)\",\"x\":[\(objects){}]}"
        let outcome = try workspace.execute(workspace.bin + "/" + plugin,
                                            CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: "/proc/self/ns/net"), stdin: stdin)
        expectCNIError(outcome, code: 7, "2.4 MB stdin")
        #expect(outcome.object?["msg"] as? String == "the network configuration is larger than 1048576 bytes", "\(outcome)")
    }

    // MARK: Item 10

    @Test("10: range count of 50,000 single addresses is linear, not quadratic", .timeLimit(.minutes(1)))
    func manyRanges() throws {
        let addresses = (0..<50_000).map { "10.\($0 >> 16).\(($0 >> 8) & 0xff).\($0 & 0xff)" }
        let excludes = (0..<100).flatMap { ["--exclude", "10.0.0.\($0)"] }
        let result = try Self.run(["range", "count"] + addresses + excludes)
        #expect(result.status == 0 && result.stdout == "49900\n", "\(result.status) \(result.stderr)")
        let nth = try Self.run(["range", "nth", "0", "--subnet", "10.0.0.0/8"] + addresses)
        #expect(nth.stdout == "10.0.0.0\n", "\(nth)")
        let contains = try Self.run(["range", "contains", "10.0.195.79", "--exclude=10.0.195.79"] + addresses)
        #expect(contains.stdout == "false\n", "\(contains)")
        // Options anywhere, `--opt value` and `--opt=value`, JSON output, `--` before the ranges.
        let json = try Self.run(["range", "count", "--output", "json", "--ip-version=4"] + addresses.prefix(100) + ["--", "10.9.9.9"])
        #expect(json.status == 0 && json.stdout == "101\n", "\(json)")
        let missing = try Self.run(["range", "count", "--exclude"] + addresses.prefix(100))
        #expect(missing.status == 0 && missing.stdout == "99\n", "\(missing)")
        let help = try Self.run(["range", "count", "--help"] + addresses.prefix(100))
        #expect(help.status == 0 && help.stdout.contains("USAGE"), "\(help.status) \(help.stderr)")
    }

    // MARK: Item 12

    @Test("12: a 1,024-character container ID and a 253-character pool name work for ADD and DEL")
    func longNames() throws {
        let workspace = try CNIWorkspace("long")
        let poolName = [63, 63, 63, 61].map { String(repeating: "p", count: $0) }.joined(separator: ".")
        let manifest = workspace.io + "/long-pool.yaml"
        try Data("""
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: \(poolName)
            spec:
              subnet: 10.21.0.0/24
              ips: [10.21.0.10-10.21.0.14]
            """.utf8).write(to: URL(fileURLWithPath: manifest))
        let applied = try Self.run(["pool", "apply", "-f", manifest, "--store", workspace.store])
        #expect(applied.status == 0, "\(applied)")
        let id = String(repeating: "a", count: 1024)
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": [poolName], "store": workspace.store])
        let add = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: id, ifname: "eth0", netns: "/proc/self/ns/net"), stdin: config)
        #expect(add.status == 0 && add.addresses == ["10.21.0.10/24"], "\(add)")
        expectQuietSuccess(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("DEL", containerID: id, ifname: "eth0", netns: "/proc/self/ns/net"), stdin: config), "DEL")
        #expect(try workspace.holdings().isEmpty)
        let delete = try Self.run(["pool", "delete", poolName, "--store", workspace.store])
        #expect(delete.status == 0, "\(delete)")
    }

    // MARK: Item 13

    @Test("13: DEL with the store or its parent missing succeeds and creates nothing; reads create nothing")
    func missingStore() throws {
        let workspace = try CNIWorkspace("missing")
        for store in [workspace.root + "/absent/store", workspace.root + "/store-missing"] {
            let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": ["p4"], "store": store])
            expectQuietSuccess(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("DEL", containerID: "c1", ifname: "eth0", netns: "/proc/self/ns/net"), stdin: config), "DEL \(store)")
            for command in [["ip", "list"], ["pool", "get"]] {
                let result = try Self.run(command + ["--store", store])
                #expect(result.status == 0, "\(command): \(result)")
            }
            #expect(!FileManager.default.fileExists(atPath: store), "\(store) was created")
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/absent"))
        }
    }

    // MARK: Item 15

    @Test("15: an ipam that is not an object is code 6, not the default store")
    func ipamNotObject() throws {
        let workspace = try CNIWorkspace("ipam-type")
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "macvlan", "ipam": "notobj"])
        for command in ["ADD", "DEL"] {
            expectCNIError(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment(command, containerID: "c1", ifname: "eth0", netns: "/proc/self/ns/net"), stdin: config), code: 6, command)
        }
    }

    // MARK: Item 16

    @Test("16: STATUS on a read-only store is code 50")
    func readOnlyStatus() throws {
        let workspace = try CNIWorkspace("readonly")
        try Self.pool(workspace)
        let config = cniJSON(["cniVersion": "1.1.0", "name": "n", "type": "spiderpool", "store": workspace.store])
        expectQuietSuccess(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("STATUS"), stdin: config), "writable")
        try CNITools.run(["mount", "--bind", workspace.store, workspace.store])
        defer { _ = try? CNITools.run(["umount", workspace.store]) }
        try CNITools.run(["mount", "-o", "remount,bind,ro", workspace.store])
        expectCNIError(try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("STATUS"), stdin: config), code: 50, "read-only")
    }

    // MARK: Item 17

    @Test("17: Pod names with control characters are refused (code 4); nothing is stored")
    func podNameControlCharacters() throws {
        let workspace = try CNIWorkspace("podname")
        try Self.pool(workspace)
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": ["p4"], "store": workspace.store])
        for name in ["evil\u{1b}[2Jname", "two\nlines"] {
            let args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=\(name)"
            let outcome = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: "/proc/self/ns/net", args: args), stdin: config)
            expectCNIError(outcome, code: 4, name.debugDescription)
        }
        #expect(try workspace.holdings().isEmpty)
    }

    // MARK: Item 20

    @Test("20: range nth past 2^128 says the position is out of range")
    func nthOutOfRange() throws {
        for position in ["340282366920938463463374607431768211457", String(repeating: "9", count: 80)] {
            let result = try Self.run(["range", "nth", position, "::/0"])
            #expect(result.status == 1 && result.stderr.contains("out of range"), "\(result)")
        }
    }

    // MARK: Item 27

    @Test("27: sticky auto parks a StatefulSet Pod's address, not a Deployment Pod's all-digit suffix; owner kind wins")
    func stickyAuto() throws {
        let workspace = try CNIWorkspace("sticky")
        try Self.pool(workspace)
        func config(_ kind: String?) -> String {
            var object: [String: Any] = ["cniVersion": "1.0.0", "name": "n", "type": "spiderpool", "default_ipv4_ippool": ["p4"], "store": workspace.store]
            if let kind { object["args"] = ["ipam.spidernet.io/owner-kind": kind] }
            return cniJSON(object)
        }
        func cycle(_ id: String, pod: String, kind: String?) throws {
            let environment = { (verb: String) in CNIWorkspace.environment(verb, containerID: id, ifname: "eth0", netns: "/proc/self/ns/net",
                                                                          args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=\(pod)") }
            #expect(try workspace.execute(workspace.spiderpool, environment("ADD"), stdin: config(kind)).status == 0)
            expectQuietSuccess(try workspace.execute(workspace.spiderpool, environment("DEL"), stdin: config(kind)), "DEL \(pod)")
        }
        try cycle("c1", pod: "agent-22222", kind: nil)
        try cycle("c2", pod: "web-0", kind: nil)
        try cycle("c3", pod: "agent-22222", kind: "StatefulSet")
        try cycle("c4", pod: "web-1", kind: "ReplicaSet")
        let parked = try Self.listed(workspace).filter { $0["sticky"] as? Bool == true }.compactMap { $0["name"] as? String }
        #expect(parked.sorted() == ["agent-22222", "web-0"], "\(parked)")
    }
}
