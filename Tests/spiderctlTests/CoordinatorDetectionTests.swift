import Foundation
import Testing

/// IP conflict and gateway detection, and announcements, on a real wire: the lab's node bridge
/// `ens192`, a gateway host (10.6.0.1, fd00:6::1) and a squatter host (10.6.212.201,
/// fd00:6::201) on it, and a Pod whose `eth0` is a macvlan port of the bridge. Needs root.
@Suite("coordinator on the wire: IP conflict, gateway, announcements (root)", .serialized)
struct CoordinatorDetectionTests {
    final class Wire {
        let lab: CNILab
        let gateway: CNINamespace
        let squatter: CNINamespace
        let pod: CNINamespace
        let squatterMAC: String

        init(_ tag: String) throws {
            lab = try CNILab(tag)
            gateway = try CNINamespace("h18gw")
            squatter = try CNINamespace("h18sq")
            pod = try CNINamespace("h18pod")
            for (host, name, addresses) in [(gateway, "gw", ["10.6.0.1/16", "fd00:6::1/64"]), (squatter, "sq", ["10.6.212.201/16", "fd00:6::201/64"])] {
                try host.ip("link add \(name)0 type veth peer name \(name)p netns \(lab.node.name)")
                try lab.node.ip("link set \(name)p master ens192")
                try lab.node.ip("link set \(name)p up")
                for address in addresses {
                    try host.ip("address add \(address) dev \(name)0" + (address.contains(":") ? " nodad" : ""))
                }
                try host.ip("link set \(name)0 up")
            }
            squatterMAC = try Self.mac(squatter, "sq0")
            try lab.node.ip("link add link ens192 name podm type macvlan mode bridge")
            try lab.node.ip("link set podm netns \(pod.name)")
            try pod.ip("link set podm name eth0")
            try pod.ip("link set eth0 up")
        }

        deinit {
            pod.delete()
            squatter.delete()
            gateway.delete()
            lab.delete()
        }

        static func mac(_ namespace: CNINamespace, _ link: String) throws -> String {
            let text = try namespace.ip("link show \(link)")
            guard let range = text.range(of: "link/ether ") else { throw CNIHarnessFailure("no MAC on \(link): \(text)") }
            return String(text[range.upperBound...].prefix(17))
        }

        /// Gives the Pod's `eth0` its addresses (IPv6 without the kernel's own duplicate detection,
        /// so that the coordinator's is what is tested).
        func address(_ v4: String, _ v6: String) throws {
            try pod.ip("address add \(v4)/16 dev eth0")
            try pod.ip("address add \(v6)/64 dev eth0 nodad")
        }

        func prevResult(_ v4: String, _ v6: String, gateway4: String = "10.6.0.1", gateway6: String = "fd00:6::1") -> [String: Any] {
            ["cniVersion": "1.0.0", "interfaces": [["name": "eth0", "sandbox": pod.path]],
             "ips": [["address": "\(v4)/16", "gateway": gateway4, "interface": 0], ["address": "\(v6)/64", "gateway": gateway6, "interface": 0]]]
        }

        func coordinator(_ command: String, _ config: String) throws -> CoordinatorHardening.Run {
            try CoordinatorHardening.coordinator(lab, command, netns: pod.path, ifname: "eth0", containerID: "detect", config: config)
        }

        /// The Pod's rules, routes of every table and neighbours, and the node's rules: what an
        /// applied step would change.
        func snapshot() throws -> String {
            let text = try [pod.ip("rule"), pod.ip("-6 rule"), pod.ip("route show table all"), pod.ip("-6 route show table all"),
                            lab.node.ip("rule"), lab.node.ip("route show table all"), lab.node.ip("-6 route show table all")]
                .joined(separator: "\n")
            // What the kernel adds by itself once a new link's link-local address is ready
            // (fe80::/64, its local route, ff00::/8) is no step of ours.
            let lines = text.split(separator: "\n").filter { !$0.contains("fe80") && !$0.contains("ff00::/8") }
            return lines.joined(separator: "\n") + "\nMAC " + (try Wire.mac(pod, "eth0"))
        }
    }

    static var detectAll: [String: Any] { ["detectIPConflict": true, "detectGateway": true] }

    @Test("an IPv4 and an IPv6 address answered by the squatter fail the ADD with code 110 naming the address and its MAC; nothing is applied; DEL succeeds",
          arguments: [("10.6.212.201", "fd00:6::77", "10.6.212.201"), ("10.6.212.77", "fd00:6::201", "fd00:6::201")])
    func conflict(v4: String, v6: String, taken: String) throws {
        let wire = try Wire("detect-conflict")
        try wire.address(v4, v6)
        let before = try wire.snapshot()
        let config = CoordinatorHardening.underlayConfig(prevResult: wire.prevResult(v4, v6), Self.detectAll)
        let run = try wire.coordinator("ADD", config)
        expectCNIError(run.outcome, code: 110, "a squatter on \(taken)")
        let message = run.outcome.object.map { "\($0["msg"] ?? "") \($0["details"] ?? "")" } ?? ""
        #expect(message.contains(taken) && message.contains(wire.squatterMAC), "the address and the squatter's MAC \(wire.squatterMAC) are named: \(run)")
        #expect(run.seconds < 5, "\(run)")
        #expect(try wire.snapshot() == before, "nothing of the plan was applied")
        let deleted = try wire.coordinator("DEL", config)
        #expect(deleted.outcome.status == 0, "DEL after the failed ADD: \(deleted)")
    }

    @Test("a gateway that does not answer fails the ADD with code 111 naming it; nothing is applied")
    func absentGateway() throws {
        let wire = try Wire("detect-gateway")
        try wire.address("10.6.212.77", "fd00:6::77")
        let before = try wire.snapshot()
        let config = CoordinatorHardening.underlayConfig(prevResult: wire.prevResult("10.6.212.77", "fd00:6::77", gateway4: "10.6.0.99"),
                                                         ["detectGateway": true])
        let run = try wire.coordinator("ADD", config)
        expectCNIError(run.outcome, code: 111, "an absent gateway")
        #expect(run.outcome.stdout.contains("10.6.0.99"), "\(run)")
        #expect(!run.outcome.stdout.contains("fd00:6::1 "), "the IPv6 gateway answered: \(run)")
        #expect(try wire.snapshot() == before, "nothing of the plan was applied")
        #expect(try wire.coordinator("DEL", config).outcome.status == 0)
    }

    @Test("a clean ADD with both detections, after a podMACPrefix rewrite, announces both addresses from the new MAC on the wire")
    func announcement() throws {
        let wire = try Wire("detect-announce")
        try wire.address("10.6.212.200", "fd00:6::200")
        guard let ip = CNITools.find("ip"), let tcpdump = CNITools.find("tcpdump") else {
            throw CNIHarnessFailure("tcpdump is missing: apt-get install -y tcpdump (scripts/test.sh installs it)")
        }
        let capture = wire.lab.workspace.io + "/capture.txt"
        let captureErrors = wire.lab.workspace.io + "/capture.err"
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        _ = FileManager.default.createFile(atPath: captureErrors, contents: nil)
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: ip)
        dump.arguments = ["netns", "exec", wire.gateway.name, tcpdump, "-i", "gw0", "-n", "-e", "-l", "-U",
                          "arp or (icmp6 and ip6[40] == 136)"]
        dump.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: capture))
        dump.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: captureErrors))
        try dump.run()
        // SIGKILL: tcpdump waits for one more packet before it acts on SIGTERM.
        defer { if dump.isRunning { kill(dump.processIdentifier, SIGKILL); dump.waitUntilExit() } }
        let ready = Date().addingTimeInterval(10)
        while Date() < ready, !(String(decoding: FileManager.default.contents(atPath: captureErrors) ?? Data(), as: UTF8.self).contains("listening")) {
            usleep(20_000)
        }
        var extra = Self.detectAll
        extra["podMACPrefix"] = "0a:1b"
        let config = CoordinatorHardening.underlayConfig(prevResult: wire.prevResult("10.6.212.200", "fd00:6::200"), extra)
        let run = try wire.coordinator("ADD", config)
        #expect(run.outcome.status == 0, "\(run)")
        let newMAC = "0a:1b:0a:06:d4:c8"
        #expect(try Wire.mac(wire.pod, "eth0") == newMAC)
        let deadline = Date().addingTimeInterval(5)
        var lines: [String] = []
        while Date() < deadline {
            lines = String(decoding: FileManager.default.contents(atPath: capture) ?? Data(), as: UTF8.self).split(separator: "\n").map(String.init)
            if lines.contains(where: { $0.contains("tgt is fd00:6::200") && $0.hasPrefix(newMAC, after: " ") }) { break }
            usleep(50_000)
        }
        kill(dump.processIdentifier, SIGKILL)
        dump.waitUntilExit()
        #expect(lines.contains { $0.contains("\(newMAC) > ff:ff:ff:ff:ff:ff") && $0.contains("who-has 10.6.212.200 tell 10.6.212.200") },
                "an ARP announcement of 10.6.212.200 from \(newMAC): \(lines)")
        #expect(lines.contains { $0.contains("\(newMAC) > 33:33:00:00:00:01") && $0.contains("neighbor advertisement, tgt is fd00:6::200") },
                "an unsolicited neighbour advertisement of fd00:6::200 from \(newMAC): \(lines)")
        #expect(try wire.coordinator("DEL", config).outcome.status == 0)
    }
}

extension String {
    /// Whether the text after the first `separator` starts with `prefix` (tcpdump -e puts the
    /// source MAC after the time stamp).
    func hasPrefix(_ prefix: String, after separator: Character) -> Bool {
        guard let index = firstIndex(of: separator) else { return false }
        return self[index...].dropFirst().hasPrefix(prefix)
    }
}
