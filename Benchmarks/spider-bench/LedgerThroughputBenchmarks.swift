import Foundation
import SpiderCore
import SpiderYAML
import SpiderEtcd

/// ADDs (and DELs) per second through `IPAMService` with 1 and 4 concurrent clients, each
/// client a thread with its own ledger (for etcd: its own connections), on the etcd ledger and,
/// side by side in the same run, on the embedded ledger. `spider-bench etcd STORE [ADDS]`;
/// `scripts/bench-etcd.sh` starts etcd and runs it.
enum LedgerThroughputBenchmarks {
    struct Row {
        let ledger: String
        let clients: Int
        let adds: Int
        let addsPerSecond: Double
        let delsPerSecond: Double
    }

    static func run(store: String, adds: Int) -> [Row] {
        var rows: [Row] = []
        for clients in [1, 4] {
            for kind in ["etcd", "embedded"] {
                let tag = "bench-\(clients)-\(UInt32.random(in: 0...UInt32.max))"
                let location: String
                if kind == "etcd" {
                    location = store + "/" + tag
                } else {
                    location = FileManager.default.temporaryDirectory.appendingPathComponent("spider-bench-\(tag)").path
                }
                defer { if kind == "embedded" { try? FileManager.default.removeItem(atPath: location) } }
                rows.append(measure(kind, location, clients: clients, adds: adds))
            }
        }
        return rows
    }

    static func open(_ location: String) -> IPAMService<AnyLedger> {
        do { return IPAMService(ledger: try AnyLedger.open(location)) } catch { fatalError("open \(location): \(error)") }
    }

    static func measure(_ kind: String, _ location: String, clients: Int, adds: Int) -> Row {
        let manifest = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderIPPool
            metadata:
              name: throughput
            spec:
              subnet: 10.88.0.0/16
              ips:
              - 10.88.0.1-10.88.255.254
            """
        do { try open(location).apply(try ManifestDocument.parse(manifest)) } catch { fatalError("pool: \(error)") }
        let perClient = adds / clients
        let services = (0..<clients).map { _ in open(location) }
        let addTime = parallel(clients) { client in
            for index in 0..<perClient {
                guard let attachment = try? Attachment(containerID: "c\(client)-\(index)", interface: "eth0") else { fatalError("id") }
                var request = AllocationRequest(attachment: attachment)
                request.podPools = PoolChoice(ipv4: ["throughput"])
                request.nodeName = "node-\(client)"
                do { _ = try services[client].allocate(request) } catch { fatalError("ADD on \(kind): \(error)") }
            }
        }
        let held = (try? services[0].ledger.records(pool: "throughput").count) ?? -1
        guard held == perClient * clients else { fatalError("\(kind): \(held) records for \(perClient * clients) ADDs") }
        let delTime = parallel(clients) { client in
            for index in 0..<perClient {
                guard let attachment = try? Attachment(containerID: "c\(client)-\(index)", interface: "eth0") else { fatalError("id") }
                do { _ = try services[client].release(attachment, sticky: .never) } catch { fatalError("DEL on \(kind): \(error)") }
            }
        }
        let total = Double(perClient * clients)
        return Row(ledger: kind, clients: clients, adds: perClient * clients, addsPerSecond: total / addTime, delsPerSecond: total / delTime)
    }

    /// Runs `body(0..<count)` on `count` threads at once; returns the wall time in seconds.
    static func parallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Double {
        let done = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            let thread = Thread {
                start.wait()
                body(index)
                done.signal()
            }
            thread.start()
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        for _ in 0..<count { start.signal() }
        for _ in 0..<count { done.wait() }
        let elapsed = clock.now - t0
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
