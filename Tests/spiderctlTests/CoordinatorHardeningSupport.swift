import Foundation
import Testing

// Helpers for the coordinator hardening tests (issue 14): plugin runs with a hard time bound,
// underlay attachments (macvlan eth0 + coordinator underlay), and node snapshots that include
// what a coordinator ADD changes on a node (rules, tables, neighbours, links, rp_filter,
// mangle rules).

enum CoordinatorHardening {
    /// What one bounded plugin run gave, and how long it took.
    struct Run: CustomStringConvertible {
        let outcome: CNIOutcome
        let seconds: Double
        /// Killed by the bound (`timeout -s KILL`): the plugin hung.
        var killed: Bool { [9, 124, 137].contains(outcome.status) }
        var description: String { "\(outcome) (after \(String(format: "%.1f", seconds)) s)" }
    }

    /// Runs `executable` with exactly `environment` and `stdin`, inside `namespace` when given
    /// (`ip netns exec`), killed after `bound` seconds.
    static func run(_ workspace: CNIWorkspace, _ executable: String, _ environment: [String: String], stdin: String,
                    namespace: String?, bound: Int = 60) throws -> Run {
        let id = UUID().uuidString
        let input = workspace.io + "/\(id).in", output = workspace.io + "/\(id).out", errors = workspace.io + "/\(id).err"
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: input))
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        defer { for file in [input, output, errors] { unlink(file) } }
        guard let ip = CNITools.find("ip"), let timeout = CNITools.find("timeout") else {
            throw CNIHarnessFailure("ip or timeout is missing: apt-get install -y iproute2 coreutils")
        }
        var words = environment
        words["PATH"] = CNITools.path
        let assignments = words.keys.sorted().map { "\($0)=\(words[$0] ?? "")" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: timeout)
        if let namespace {
            process.arguments = ["-s", "KILL", String(bound), ip, "netns", "exec", namespace, "/usr/bin/env", "-i"] + assignments + [executable]
        } else {
            process.arguments = ["-s", "KILL", String(bound), "/usr/bin/env", "-i"] + assignments + [executable]
        }
        process.environment = ["PATH": CNITools.path]
        let stdinHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardInput = stdinHandle
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try? stdinHandle.close()
        try? stdoutHandle.close()
        try? stderrHandle.close()
        let read = { (file: String) in String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) }
        return Run(outcome: CNIOutcome(status: process.terminationStatus, stdout: read(output), stderr: read(errors)), seconds: seconds)
    }

    /// The environment of a coordinator call; the node lock is the workspace's own, so that
    /// these tests neither wait for nor block other coordinator calls on the machine.
    static func environment(_ lab: CNILab, _ command: String, netns: String, ifname: String, containerID: String) -> [String: String] {
        var environment = CNIWorkspace.environment(command, containerID: containerID, ifname: ifname, netns: netns,
                                                   args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=\(containerID)",
                                                   path: lab.workspace.bin)
        environment["SPIDERPOOL_COORDINATOR_LOCK"] = lab.workspace.root + "/coordinator.lock"
        return environment
    }

    /// Runs the coordinator inside the lab's node, bounded.
    static func coordinator(_ lab: CNILab, _ command: String, netns: String, ifname: String, containerID: String, config: String,
                            bound: Int = 60) throws -> Run {
        try run(lab.workspace, lab.workspace.coordinator, environment(lab, command, netns: netns, ifname: ifname, containerID: containerID),
                stdin: config, namespace: lab.node.name, bound: bound)
    }

    /// A coordinator configuration in underlay mode (first NIC `eth0`).
    static func underlayConfig(prevResult: [String: Any], _ extra: [String: Any] = [:]) -> String {
        var config: [String: Any] = ["cniVersion": "1.0.0", "name": "macvlan-ens192", "type": "coordinator", "mode": "underlay",
                                     "podDefaultCniNic": "eth0", "hostRuleTable": 500, "podRPFilter": 0, "prevResult": prevResult]
        for (key, value) in extra { config[key] = value }
        return cniJSON(config)
    }

    /// The same configuration with `extra` keys set (parsed and printed again).
    static func adding(_ extra: [String: Any], to config: String) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        for (key, value) in extra { object[key] = value }
        return cniJSON(object)
    }

    /// macvlan `eth0` from pool `i4`, then the coordinator in underlay mode on it.
    struct Underlay {
        let address: String
        let macvlanConfig: String
        let coordinatorConfig: String
    }

    static func attachUnderlay(_ lab: CNILab, _ pod: CNINamespace, _ id: String, bound: Int = 60) throws -> (Underlay, Run) {
        let macvlanConfig = lab.macvlanConfig()
        let eth0 = try lab.cni("ADD", "macvlan", netns: pod.path, ifname: "eth0", containerID: id, config: macvlanConfig)
        try #require(eth0.status == 0, "macvlan ADD: \(eth0)")
        let prevResult = try #require(eth0.object)
        let config = underlayConfig(prevResult: prevResult)
        let run = try coordinator(lab, "ADD", netns: pod.path, ifname: "eth0", containerID: id, config: config, bound: bound)
        let address = try #require(try CNILab.addresses(pod, "eth0", family: "4").first).split(separator: "/")[0]
        return (Underlay(address: String(address), macvlanConfig: macvlanConfig, coordinatorConfig: config), run)
    }

    /// What a coordinator call may change on a node: rules, tables, permanent neighbours, links
    /// (with aliases), rp_filter and the mangle rules.
    static func nodeSnapshot(_ node: CNINamespace) throws -> String {
        var parts: [String] = []
        for words in ["-4 rule show", "-6 rule show", "-4 route show table all", "-6 route show table all",
                      "-4 neighbour show nud permanent", "-6 neighbour show nud permanent", "link show"] {
            // IPv6 link-local and local-table entries come and go with DAD on their own.
            let lines = try node.ip(words).split(separator: "\n").filter { !$0.contains("fe80::") && !$0.contains("table local") && !$0.contains("ff00::/8") }
            parts.append("== ip \(words)\n" + lines.joined(separator: "\n"))
        }
        parts.append("== rp_filter\n" + (try CNITools.run(["ip", "netns", "exec", node.name, "sysctl", "-n", "net.ipv4.conf.all.rp_filter"])))
        for tool in ["iptables", "ip6tables"] {
            parts.append("== \(tool) -t mangle -S\n" + (try CNITools.run(["ip", "netns", "exec", node.name, tool, "-w", "5", "-t", "mangle", "-S"])))
        }
        return parts.joined(separator: "\n")
    }

    /// Defunct helper processes (iptables, ip6tables, nsenter) anywhere on the machine, by PID
    /// (compare a set taken before with one taken after: an init that does not reap keeps old ones).
    /// Defunct helpers that stay defunct: listed twice, a second apart. A helper that another
    /// test's plugin is about to reap is defunct for a moment only; one whose parent never reaps
    /// it (the hang this guards against) is in both listings.
    static func lastingDefunctHelpers() throws -> Set<String> {
        let first = try defunctHelpers()
        guard !first.isEmpty else { return first }
        usleep(1_000_000)
        return first.intersection(try defunctHelpers())
    }

    static func defunctHelpers() throws -> Set<String> {
        let listing = try CNITools.run(["ps", "-eo", "pid=,ppid=,stat=,comm="])
        return Set(listing.split(separator: "\n").map(String.init).filter { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 4 else { return false }
            return words[2].hasPrefix("Z") && ["iptables", "ip6tables", "nsenter", "xtables-nft-mul", "xtables-legacy"].contains { words[3].hasPrefix($0) }
        }.map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
