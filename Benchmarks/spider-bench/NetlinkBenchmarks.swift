import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SpiderCore
import SpiderNetlink

/// Executing a route plan: a 20-operation plan applied and rolled back through SpiderNetlink's
/// executor (libmnl, in-process), beside the same 20 operations through `ip -batch` (one process
/// to add, one to delete), in the same throwaway namespace. Needs root.
enum NetlinkBenchmarks {
    static func shell(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// posix_spawnp with stdout and stderr to /dev/null (no Foundation start-up cost), waits.
    static func spawn(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    /// 8 routes, 6 rules, 6 neighbours on `a0` (10.8.0.2/24).
    static func plan() -> (RoutePlan, adds: [String], deletes: [String]) {
        var operations: [PlannedOperation] = []
        var adds: [String] = [], deletes: [String] = []
        for i in 0..<8 {
            let text = "10.\(100 + i).0.0/16 via 10.8.0.1 dev a0 table \(101 + i % 2)"
            if let route = try? Route(parsing: text, family: .v4) {
                operations.append(PlannedOperation(.pod, .addRoute(route), reason: "bench"))
                adds.append("route add \(text)")
                deletes.append("route del \(text)")
            }
        }
        for i in 0..<6 {
            let text = "from 10.8.0.\(10 + i) lookup \(101 + i % 2) priority \(2000 + i)"
            if let rule = try? RoutingRule(parsing: text, family: .v4) {
                operations.append(PlannedOperation(.pod, .addRule(rule), reason: "bench"))
                adds.append("rule add \(text)")
                deletes.append("rule del \(text)")
            }
        }
        for i in 0..<6 {
            let text = "10.8.0.\(100 + i) dev a0 lladdr 02:00:00:00:00:\(String(format: "%02x", i)) PERMANENT"
            if let neighbour = try? Neighbour(parsing: text) {
                operations.append(PlannedOperation(.pod, .addNeighbour(neighbour), reason: "bench"))
                adds.append("neigh add 10.8.0.\(100 + i) dev a0 lladdr 02:00:00:00:00:\(String(format: "%02x", i)) nud permanent")
                deletes.append("neigh del 10.8.0.\(100 + i) dev a0")
            }
        }
        return (RoutePlan(operations), adds, deletes)
    }

    static func run() -> [(String, String, String)] {
        guard getuid() == 0 else { return [("execute a 20-operation plan", "needs root", "—")] }
        let name = "spbench\(getpid())"
        guard shell(["ip", "netns", "add", name]) == 0 else { return [("execute a 20-operation plan", "ip netns add failed", "—")] }
        defer { _ = shell(["ip", "netns", "delete", name]) }
        _ = shell(["ip", "-n", name, "link", "add", "a0", "type", "veth", "peer", "name", "b0"])
        _ = shell(["ip", "-n", name, "link", "set", "a0", "up"])
        _ = shell(["ip", "-n", name, "link", "set", "b0", "up"])
        _ = shell(["ip", "-n", name, "address", "add", "10.8.0.2/24", "dev", "a0"])
        let (routePlan, adds, deletes) = plan()
        let executor = PlanExecutor(pod: .named(name))
        var failures = 0
        let ours = measure("executor", budget: .seconds(2)) {
            do {
                let report = try executor.execute(routePlan)
                try executor.rollback(routePlan, report)
                return report.applied.count
            } catch {
                failures += 1
                return 0
            }
        }
        let addFile = "/tmp/\(name)-add.batch", deleteFile = "/tmp/\(name)-del.batch"
        _ = FileManager.default.createFile(atPath: addFile, contents: Data((adds.joined(separator: "\n") + "\n").utf8))
        _ = FileManager.default.createFile(atPath: deleteFile, contents: Data((deletes.joined(separator: "\n") + "\n").utf8))
        defer { unlink(addFile); unlink(deleteFile) }
        let peer = measure("ip -batch", budget: .seconds(2)) {
            Int(spawn(["ip", "-n", name, "-batch", addFile]) + spawn(["ip", "-n", name, "-batch", deleteFile]))
        }
        let label = "apply + roll back \(routePlan.operations.count) operations (routes, rules, neighbours)\(failures > 0 ? " — \(failures) failed runs" : "")"
        let ratio = String(format: "%.2f", ours / peer)
        return [(label, format(ours), "\(format(peer)) (ours takes \(ratio)× the time of ip -batch)")]
    }
}
