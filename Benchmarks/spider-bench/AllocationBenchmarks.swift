import Foundation
import SpiderCore
import SpiderYAML
import SpiderEmbeddedLedger

/// IPAM allocation in process: `IPAMService.allocate` + `release` of one attachment on an
/// ``EmbeddedLedger`` in a temporary directory, with pools already holding some addresses.
/// The process-level figures (spiderctl vs host-local) come from `scripts/bench-ipam.sh`.
enum AllocationBenchmarks {
    struct Case {
        let label: String
        let pool: String
        let subnet: String
        let ips: String
        let held: Int
    }

    static let cases = [
        Case(label: "/24", pool: "bench-v4", subnet: "10.79.0.0/24", ips: "10.79.0.1-10.79.0.254", held: 0),
        Case(label: "/24", pool: "bench-v4", subnet: "10.79.0.0/24", ips: "10.79.0.1-10.79.0.254", held: 200),
        Case(label: "/64", pool: "bench-v6", subnet: "fd00:79::/64", ips: "fd00:79::1-fd00:79::ffff:ffff:ffff:fffe", held: 0),
        Case(label: "/64", pool: "bench-v6", subnet: "fd00:79::/64", ips: "fd00:79::1-fd00:79::ffff:ffff:ffff:fffe", held: 200),
    ]

    /// Rows: (case, allocate+release median, note). Each case gets its own ledger directory.
    static func run() -> [(String, String, String)] {
        var rows: [(String, String, String)] = []
        var medians: [String: Double] = [:]
        for item in cases {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("spider-bench-ledger-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            let service = setUp(item, root: root)
            guard let attachment = try? Attachment(containerID: "bench-measured", interface: "eth0") else { fatalError("attachment") }
            var request = AllocationRequest(attachment: attachment)
            request.podPools = item.subnet.contains(":") ? PoolChoice(ipv6: [item.pool]) : PoolChoice(ipv4: [item.pool])
            let ns = measure("allocate+release \(item.label)", budget: .seconds(1)) {
                do {
                    let result = try service.allocate(request)
                    let released = try service.release(attachment, sticky: .never)
                    return result.addresses.count + released.count
                } catch {
                    fatalError("allocation benchmark \(item.label): \(error)")
                }
            }
            medians["\(item.label)/\(item.held)"] = ns
            var note = ""
            if item.label == "/64", let v4 = medians["/24/\(item.held)"] { note = "/64 ÷ /24 = \(format2(ns / v4))" }
            if item.held > 0, let empty = medians["\(item.label)/0"] {
                note += (note.isEmpty ? "" : "; ") + "\(item.held) held ÷ empty = \(format2(ns / empty))"
            }
            rows.append(("allocate + release, \(item.label) pool (\(item.subnet)), \(item.held) held", format(ns), note))
        }
        return rows
    }

    static func format2(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }

    /// A ledger with the pool stored and `held` addresses allocated to other attachments.
    static func setUp(_ item: Case, root: String) -> IPAMService<EmbeddedLedger> {
        do {
            let service = IPAMService(ledger: try EmbeddedLedger(root: root))
            let manifest = """
                apiVersion: spiderpool.spidernet.io/v2beta1
                kind: SpiderIPPool
                metadata:
                  name: \(item.pool)
                spec:
                  subnet: \(item.subnet)
                  ips:
                  - \(item.ips)
                """
            try service.apply(try ManifestDocument.parse(manifest))
            for index in 0..<item.held {
                var request = AllocationRequest(attachment: try Attachment(containerID: "held-\(index)", interface: "eth0"))
                request.podPools = item.subnet.contains(":") ? PoolChoice(ipv6: [item.pool]) : PoolChoice(ipv4: [item.pool])
                _ = try service.allocate(request)
            }
            guard try service.ledger.records(pool: item.pool).count == item.held else { fatalError("setup: wrong number of records") }
            return service
        } catch {
            fatalError("allocation benchmark setup \(item.label): \(error)")
        }
    }
}
