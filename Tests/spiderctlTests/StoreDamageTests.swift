import Foundation
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Damage stays local, bad store conditions give a clear error and lose nothing, a first-layout
/// store migrates whole, and an acknowledged ADD is on the disk (issue 16, items 2, 4, 6, 8),
/// through the real `spiderctl` and `spiderpool` binaries.
@Suite("store: damage, bad conditions, migration, durability", .serialized)
struct StoreDamageTests {
    static func sqlite(_ database: String, _ statement: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
            throw StressFailure("/usr/bin/sqlite3 is missing: install Debian's sqlite3 (scripts/lib/deps.sh ensure_test_deps does)")
        }
        return try CNITools.run(["/usr/bin/sqlite3", database, statement])
    }

    static func add(_ workspace: CNIWorkspace, _ id: String, pool: String, store: String? = nil) throws -> CNIOutcome {
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "macvlan",
                              "ipam": ["type": "spiderpool", "default_ipv4_ippool": [pool], "store": store ?? workspace.store]])
        return try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: id, ifname: "eth0", netns: "/proc/self/ns/net"),
                                     stdin: config)
    }

    static func del(_ workspace: CNIWorkspace, _ id: String, store: String? = nil) throws -> CNIOutcome {
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "macvlan", "ipam": ["type": "spiderpool", "store": store ?? workspace.store]])
        return try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("DEL", containerID: id, ifname: "eth0", netns: "/proc/self/ns/net"),
                                     stdin: config)
    }

    static func message(_ outcome: CNIOutcome) -> String { (outcome.object?["msg"] as? String) ?? "" }

    static func twoPools(_ workspace: CNIWorkspace) throws {
        try workspace.applyPool("good", subnet: "10.50.0.0/24", ips: ["10.50.0.10-10.50.0.20"])
        try workspace.applyPool("bad", subnet: "10.51.0.0/24", ips: ["10.51.0.10-10.51.0.20"])
        #expect(try add(workspace, "c1", pool: "bad").status == 0)
    }

    // MARK: Item 8: damage stays local

    @Test("a damaged pool document: the other pools work, the damaged one is named; store check --repair restores it")
    func damagedPoolRepair() throws {
        let workspace = try CNIWorkspace("damage-repair")
        try Self.twoPools(workspace)
        _ = try Self.sqlite(workspace.store + "/store.db", "UPDATE pools SET manifest = '{\"kind\": ' WHERE name = 'bad'")

        #expect(try Self.add(workspace, "c2", pool: "good").status == 0, "the other pool keeps working")
        let failed = try Self.add(workspace, "c3", pool: "bad")
        expectCNIError(failed, code: 104, "ADD from the damaged pool")
        #expect(Self.message(failed).contains("SpiderIPPool bad is damaged"), "\(failed)")
        let listed = try CLIRunner.run(["pool", "get", "--store", workspace.store])
        #expect(listed.status == 0 && listed.stdout.contains("good") && listed.stderr.contains("SpiderIPPool bad is damaged"), "\(listed)")
        // Listed without a prefix length: that comes from the pool's document.
        #expect(try workspace.holdings()["c1/eth0"]?.ipv4 == "10.51.0.10", "the damaged pool's records stay held")
        expectQuietSuccess(try Self.del(workspace, "c2"), "DEL from the good pool")

        let check = try CLIRunner.run(["store", "check", "--store", workspace.store])
        #expect(check.status == 1 && check.stdout.contains("SpiderIPPool bad is unreadable"), "\(check)")
        let repair = try CLIRunner.run(["store", "check", "--repair", "--store", workspace.store])
        #expect(repair.status == 0 && repair.stdout.contains("restored the last sound copy of SpiderIPPool bad"), "\(repair)")
        let again = try Self.add(workspace, "c3", pool: "bad")
        #expect(again.status == 0 && again.stdout.contains("10.51.0.11/24"), "the mended pool hands out its next address: \(again)")
    }

    @Test("a damaged pool document is mended by re-applying its manifest, or removed by pool delete --force")
    func damagedPoolReapplyAndDelete() throws {
        let workspace = try CNIWorkspace("damage-reapply")
        try Self.twoPools(workspace)
        _ = try Self.sqlite(workspace.store + "/store.db", "UPDATE pools SET manifest = 'garbage', backup = NULL WHERE name = 'bad'")
        // A manifest that would drop the address in use is refused; the sound one mends the pool.
        let file = workspace.io + "/narrow.yaml"
        try Data("""
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: bad
            spec:
              subnet: 10.51.0.0/24
              ips:
              - 10.51.0.15-10.51.0.20

            """.utf8).write(to: URL(fileURLWithPath: file))
        let narrow = try CLIRunner.run(["pool", "apply", "-f", file, "--store", workspace.store])
        #expect(narrow.status == 1 && narrow.stderr.contains("10.51.0.10 that is being used"), "\(narrow)")
        try workspace.applyPool("bad", subnet: "10.51.0.0/24", ips: ["10.51.0.10-10.51.0.20"])
        #expect(try Self.add(workspace, "c3", pool: "bad").status == 0)
        #expect(try CLIRunner.run(["store", "check", "--store", workspace.store]).status == 0)

        _ = try Self.sqlite(workspace.store + "/store.db", "UPDATE pools SET manifest = 'garbage', backup = NULL WHERE name = 'bad'")
        let refused = try CLIRunner.run(["pool", "delete", "bad", "--store", workspace.store])
        #expect(refused.status == 1 && refused.stderr.contains("with allocated IPs(2)"), "\(refused)")
        let forced = try CLIRunner.run(["pool", "delete", "bad", "--force", "--store", workspace.store])
        #expect(forced.status == 0, "\(forced)")
        #expect(try workspace.holdings().isEmpty, "the deleted pool's records went with it")
        #expect(try CLIRunner.run(["store", "check", "--store", workspace.store]).status == 0)
        #expect(try Self.add(workspace, "c4", pool: "good").status == 0)
    }

    // MARK: Item 6: bad conditions

    @Test("a store path that is a file: code 104 naming it; the file is untouched")
    func storeIsAFile() throws {
        let workspace = try CNIWorkspace("store-file")
        let path = workspace.root + "/not-a-dir"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        let outcome = try Self.add(workspace, "c1", pool: "p", store: path)
        expectCNIError(outcome, code: 104, "store is a file")
        #expect(Self.message(outcome).contains("\(path) is not a directory"), "\(outcome)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test("a corrupt database: code 104 naming it, never replaced; a newer layout is refused the same way")
    func corruptAndNewer() throws {
        let workspace = try CNIWorkspace("store-corrupt")
        try workspace.applyPool("p", subnet: "10.52.0.0/24", ips: ["10.52.0.10-10.52.0.20"])
        #expect(try Self.add(workspace, "c1", pool: "p").status == 0)
        _ = try Self.sqlite(workspace.store + "/store.db", "PRAGMA wal_checkpoint(TRUNCATE)")
        let database = workspace.store + "/store.db"
        let original = try Data(contentsOf: URL(fileURLWithPath: database))

        _ = try Self.sqlite(database, "PRAGMA user_version = 99")
        let newer = try Self.add(workspace, "c2", pool: "p")
        expectCNIError(newer, code: 104, "newer layout")
        #expect(Self.message(newer).contains("written by a newer swift-spiderpool (layout 99"), "\(newer)")
        _ = try Self.sqlite(database, "PRAGMA user_version = 2")

        var damaged = original
        damaged.replaceSubrange(0..<100, with: Data(repeating: 0x5a, count: 100))
        try damaged.write(to: URL(fileURLWithPath: database))
        for suffix in ["-wal", "-shm"] { unlink(database + suffix) }
        let outcome = try Self.add(workspace, "c2", pool: "p")
        expectCNIError(outcome, code: 104, "corrupt database")
        #expect(Self.message(outcome).contains("store.db is damaged"), "\(outcome)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == damaged, "the damaged file is left for a person to look at")
        let check = try CLIRunner.run(["store", "check", "--store", workspace.store])
        #expect(check.status == 1 && check.stderr.contains("damaged"), "\(check)")
        // Put back, everything is there.
        try original.write(to: URL(fileURLWithPath: database))
        #expect(try workspace.holdings()["c1/eth0"]?.ipv4 == "10.52.0.10/24")
    }

    @Test("a full disk: ADD fails with code 104 saying so, changes nothing; with space again it succeeds")
    func diskFull() throws {
        let workspace = try CNIWorkspace("store-full")
        let mount = workspace.root + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try CNITools.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount])
        defer { _ = try? CNITools.run(["umount", mount]) }
        let store = mount + "/store"
        let pool = workspace.io + "/pool.yaml"
        try Data("""
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: p
            spec:
              subnet: 10.53.0.0/16
              ips:
              - 10.53.0.10-10.53.200.20

            """.utf8).write(to: URL(fileURLWithPath: pool))
        #expect(try CLIRunner.run(["pool", "apply", "-f", pool, "--store", store]).status == 0)
        #expect(try Self.add(workspace, "c1", pool: "p", store: store).status == 0)
        // Fill the file system to the last block.
        let filler = mount + "/filler"
        _ = try? CNITools.run(["dd", "if=/dev/zero", "of=\(filler)", "bs=4k"])
        var ids: [String] = []
        var failure: CNIOutcome?
        for index in 0..<400 {
            let outcome = try Self.add(workspace, "f\(index)", pool: "p", store: store)
            if outcome.status != 0 { failure = outcome; break }
            ids.append("f\(index)")
        }
        let outcome = try #require(failure, "400 ADDs succeeded on a full file system")
        expectCNIError(outcome, code: 104, "disk full")
        #expect(Self.message(outcome).contains("no space left"), "\(outcome)")
        unlink(filler)
        let listed = try CLIRunner.run(["ip", "list", "-o", "json", "--store", store])
        let items = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))) as? [[String: Any]] ?? []
        #expect(items.count == ids.count + 1, "every acknowledged ADD is kept, nothing else: \(items.count) listed, \(ids.count + 1) acknowledged")
        #expect(try CLIRunner.run(["store", "check", "--store", store]).status == 0)
        #expect(try Self.add(workspace, "after", pool: "p", store: store).status == 0)
    }

    @Test("a read-only store: ADD fails with code 104 naming it, and what it holds is still listed")
    func readOnly() throws {
        let workspace = try CNIWorkspace("store-readonly")
        try workspace.applyPool("p", subnet: "10.54.0.0/24", ips: ["10.54.0.10-10.54.0.20"])
        #expect(try Self.add(workspace, "c1", pool: "p").status == 0)
        try CNITools.run(["mount", "--bind", workspace.store, workspace.store])
        defer { _ = try? CNITools.run(["umount", workspace.store]) }
        try CNITools.run(["mount", "-o", "remount,bind,ro", workspace.store])
        let outcome = try Self.add(workspace, "c2", pool: "p")
        expectCNIError(outcome, code: 104, "read-only store")
        #expect(Self.message(outcome).contains("\(workspace.store) is not writable"), "\(outcome)")
        #expect(try workspace.holdings()["c1/eth0"]?.ipv4 == "10.54.0.10/24")
    }

    // MARK: Item 4: migration

    @Test("a first-layout store migrates whole: ip list -o json is what the first layout listed, sticky and dual-stack records included")
    func migration() throws {
        let workspace = try CNIWorkspace("migrate")
        let store = try FirstLayoutFixture.unpack(into: workspace.root + "/a")
        let report = try CLIRunner.run(["store", "migrate", "--store", store])
        #expect(report.status == 0, "\(report)")
        for line in ["pools: 3", "reserved IP sets: 1", "records: 13 (3 parked for sticky Pods, 1 damaged, kept held)", "stale owner entries dropped: 1"] {
            #expect(report.stdout.contains(line), "\(line) in \(report)")
        }
        #expect(try Self.listing(store) == Self.listing(file: FirstLayoutFixture.folder.appendingPathComponent("ip-list.json")))
        #expect(FileManager.default.fileExists(atPath: store + "/migrated-layout-1/records/v4-pool/10.20.0.10"), "the old files are kept aside")
        #expect(try CLIRunner.run(["store", "migrate", "--store", store]).stdout.contains("nothing to migrate"))
        // The parked dual-stack Pod gets both addresses back in a new sandbox.
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "macvlan",
                              "ipam": ["type": "spiderpool", "default_ipv4_ippool": ["v4-pool"], "default_ipv6_ippool": ["v6-pool"], "store": store]])
        let back = try workspace.execute(workspace.spiderpool, CNIWorkspace.environment("ADD", containerID: "db0-new", ifname: "eth0",
                                                                                        netns: "/proc/self/ns/net",
                                                                                        args: "K8S_POD_NAMESPACE=default;K8S_POD_NAME=db-0;K8S_POD_UID=uid-db0b"),
                                         stdin: config)
        #expect(back.status == 0 && back.stdout.contains("10.20.0.19/24") && back.stdout.contains("fd00:20::12/64"), "\(back)")
        #expect(try CLIRunner.run(["store", "check", "--store", store]).status == 0)
    }

    @Test("eight processes opening a first-layout store at once: one migrates, all see the same store")
    func concurrentMigration() throws {
        let workspace = try CNIWorkspace("migrate-race")
        let store = try FirstLayoutFixture.unpack(into: workspace.root + "/b")
        // A leftover of a migration killed before it committed is thrown away, not used.
        try Data("half".utf8).write(to: URL(fileURLWithPath: store + "/store.db.migrating"))
        let results = try ProcessBatch.run(Array(repeating: ["ip", "list", "-o", "json", "--store", store], count: 8))
        let expected = try Self.listing(file: FirstLayoutFixture.folder.appendingPathComponent("ip-list.json"))
        for result in results {
            #expect(result.status == 0, "\(result)")
            #expect(Self.listing(text: result.stdout) == expected)
        }
        let aside = try FileManager.default.contentsOfDirectory(atPath: store + "/migrated-layout-1").sorted()
        #expect(aside == ["cursors", "locks", "owners", "pools", "records", "reserved", "tmp"], "migrated once: \(aside)")
        #expect(!FileManager.default.fileExists(atPath: store + "/store.db.migrating"))
    }

    static func listing(_ store: String) throws -> [String] {
        let result = try CLIRunner.run(["ip", "list", "-o", "json", "--store", store])
        return listing(text: result.stdout)
    }

    static func listing(file: URL) throws -> [String] { listing(text: try String(contentsOf: file, encoding: .utf8)) }

    /// Each listed item as sorted-key JSON, sorted: the same records listed in any order.
    static func listing(text: String) -> [String] {
        let items = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
        return items.map { item in
            String(decoding: (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }.sorted()
    }

    // MARK: Item 2: durability

    @Test("a successful ADD called fsync or fdatasync before it exited (strace)")
    func addIsDurable() throws {
        let workspace = try CNIWorkspace("fsync")
        try workspace.applyPool("p", subnet: "10.55.0.0/24", ips: ["10.55.0.10-10.55.0.20"])
        guard let strace = CNITools.find("strace") else { throw StressFailure("strace is missing: apt-get install -y strace") }
        let trace = workspace.io + "/trace"
        let config = cniJSON(["cniVersion": "1.0.0", "name": "n", "type": "macvlan",
                              "ipam": ["type": "spiderpool", "default_ipv4_ippool": ["p"], "store": workspace.store]])
        var environment = CNIWorkspace.environment("ADD", containerID: "c1", ifname: "eth0", netns: "/proc/self/ns/net")
        environment["PATH"] = CNITools.path
        let outcome = try workspace.execute("/usr/bin/env", environment, stdin: config, arguments: [strace, "-f", "-e", "trace=fsync,fdatasync", "-o", trace, workspace.spiderpool])
        #expect(outcome.status == 0 && outcome.stdout.contains("10.55.0.10/24"), "\(outcome)")
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.contains("fsync(") || $0.contains("fdatasync(") }
        #expect(calls.contains { $0.hasSuffix("= 0") }, "no successful fsync/fdatasync in \(calls)")
    }
}
