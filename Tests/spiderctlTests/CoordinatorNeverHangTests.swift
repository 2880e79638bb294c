import Foundation
import Testing

/// Issue 14, item 26: the coordinator never hangs. A Pod whose loopback is down made Foundation's
/// `Process` (its run loop's wakeup socket) hang an underlay ADD for good, with a defunct
/// `ip6tables` child, while the node lock was held. Helpers now run through `posix_spawn` with a
/// deadline, and the node lock is waited for with a deadline too (code 11).
@Suite("Coordinator: bounded waits (root)", .serialized)
struct CoordinatorNeverHangTests {
    @Test("underlay ADD with lo down (in the Pod, or in the node where the plugin runs) completes within 60 s, leaves no defunct helper; DEL too",
          arguments: ["pod", "node"])
    func loopbackDown(_ where: String) throws {
        try #require(CNITools.find("iptables") != nil && CNITools.find("ip6tables") != nil,
                     "iptables/ip6tables are missing: apt-get install -y iptables (the underlay ADD runs them)")
        let lab = try CNILab("lodown")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        try (`where` == "pod" ? pod : lab.node).ip("link set lo down")
        let defunctBefore = try CoordinatorHardening.defunctHelpers()

        let (attached, added) = try CoordinatorHardening.attachUnderlay(lab, pod, "lodownpod", bound: 60)
        #expect(!added.killed, "the coordinator ADD hung and was killed: \(added)")
        #expect(added.outcome.status == 0, "coordinator ADD: \(added)")
        #expect(added.seconds < 60, "\(added)")
        #expect(!added.outcome.stderr.contains("CFSocket"), "\(added)")
        let defunct = try CoordinatorHardening.lastingDefunctHelpers().subtracting(defunctBefore)
        #expect(defunct.isEmpty, "defunct helpers: \(defunct)")
        let mangle = try CNITools.run(["ip", "netns", "exec", pod.name, "iptables", "-w", "5", "-t", "mangle", "-S"])
        #expect(mangle.contains("-i veth0"), "the mark rules are in place:\n\(mangle)")

        let deleted = try CoordinatorHardening.coordinator(lab, "DEL", netns: pod.path, ifname: "eth0", containerID: "lodownpod",
                                                           config: attached.coordinatorConfig)
        #expect(!deleted.killed, "\(deleted)")
        expectQuietSuccess(deleted.outcome, "coordinator DEL")
        expectQuietSuccess(try lab.cni("DEL", "macvlan", netns: pod.path, ifname: "eth0", containerID: "lodownpod", config: attached.macvlanConfig),
                           "macvlan DEL")
    }

    @Test("a node lock held by someone else makes ADD fail with code 11 once the lock's deadline passes")
    func lockDeadline() throws {
        let lab = try CNILab("lockwait")
        defer { lab.delete() }
        let pod = try CNINamespace("h6pod")
        defer { pod.delete() }
        let lockPath = lab.workspace.root + "/coordinator.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0, "open \(lockPath)")
        defer { close(descriptor) }
        try #require(flock(descriptor, LOCK_EX | LOCK_NB) == 0, "flock \(lockPath)")

        let prevResult: [String: Any] = ["cniVersion": "1.0.0", "ips": [["address": "10.6.212.200/16"]]]
        var environment = CoordinatorHardening.environment(lab, "ADD", netns: pod.path, ifname: "eth0", containerID: "lockpod")
        environment["SPIDERPOOL_COORDINATOR_LOCK_TIMEOUT"] = "1"
        let run = try CoordinatorHardening.run(lab.workspace, lab.workspace.coordinator, environment,
                                               stdin: CoordinatorHardening.underlayConfig(prevResult: prevResult), namespace: lab.node.name, bound: 30)
        #expect(!run.killed, "\(run)")
        expectCNIError(run.outcome, code: 11, version: "1.0.0", "ADD while the node lock is held")
        #expect(run.seconds < 15, "\(run)")
        let message = (run.outcome.object?["msg"] as? String) ?? ""
        #expect(message.contains("lock"), "\(run)")
    }
}
