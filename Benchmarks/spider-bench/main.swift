import Foundation
import SpiderCore
import SpiderEmbeddedLedger
import SpiderEtcd
import Synchronization

// spider-bench: micro-benchmarks of SpiderCore's hot paths, side by side with a naive peer.
// Run it with `scripts/bench.sh` (release build). Not a test: it prints figures, it asserts nothing
// but the equality of the results it compares.

/// Runs `body` repeatedly for about `budget` and returns the median time of one call, in ns.
func measure(_ label: String, budget: Duration = .milliseconds(400), _ body: () -> Int) -> Double {
    let clock = ContinuousClock()
    var samples: [Double] = []
    var sink = 0
    let start = clock.now
    while clock.now - start < budget || samples.count < 5 {
        let t0 = clock.now
        sink &+= body()
        let elapsed = clock.now - t0
        samples.append(Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9)
        if samples.count >= 100_000 { break }
    }
    samples.sort()
    if sink == 42 { print("") }  // keep the work alive
    return samples[samples.count / 2]
}

func format(_ ns: Double) -> String {
    if ns < 1_000 { return String(format3(ns)) + " ns" }
    if ns < 1_000_000 { return String(format3(ns / 1_000)) + " µs" }
    if ns < 1_000_000_000 { return String(format3(ns / 1_000_000)) + " ms" }
    return String(format3(ns / 1_000_000_000)) + " s"
}

func format3(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
}

func set(_ texts: [String]) -> IPRangeSet {
    do { return try IPRangeSet(parsing: texts) } catch { fatalError("benchmark input: \(error)") }
}

/// 1,000 scattered single-address excludes inside `network`.
func scatteredExcludes(in network: IPNetwork, count: Int = 1_000) -> IPRangeSet {
    let span = network.addressCount.uint128 ?? UInt128.max
    let step = max(1, span / UInt128(count + 1))
    return IPRangeSet((1...count).map { i in
        IPRange(IPAddress(family: network.family, value: network.first.value + UInt128(i) * step))
    })
}

func rangeBenchmarks() -> [(String, String, String, String)] {
    var rows: [(String, String, String, String)] = []

    // 1. Subtract 1,000 excludes from pools of growing size.
    for cidr in ["10.6.208.0/20", "10.64.0.0/10", "fd00::/64"] {
        guard let network = IPNetwork(cidr) else { continue }
        let pool = IPRangeSet(network)
        let excludes = scatteredExcludes(in: network, count: min(1_000, (network.addressCount.int ?? Int.max) / 2))
        let ours = measure("subtract") { pool.subtracting(excludes).ranges.count }
        var peer = "—"
        // The peer: materialize every address and remove the excludes, as Spiderpool's
        // ParseIPRanges/IPsDiffSet do. Only feasible up to a /10.
        if let size = network.addressCount.int, size <= 1 << 22 {
            let excluded = Set(excludes.addresses.map(\.value))
            let naive = measure("naive", budget: .seconds(2)) {
                var free: [UInt128] = []
                free.reserveCapacity(size)
                for address in pool.addresses where !excluded.contains(address.value) { free.append(address.value) }
                return free.count
            }
            peer = "\(format(naive)) (ours is \(format3(naive / ours))× faster)"
        } else {
            peer = "not feasible (2^\(128 - network.prefixLength) addresses)"
        }
        rows.append(("subtract \(excludes.ranges.count) excludes from \(cidr)", format(ours), peer, ""))
    }

    // 2. Count a /64 with 1,000 excludes.
    if let network = IPNetwork("fd00::/64") {
        let free = IPRangeSet(network).subtracting(scatteredExcludes(in: network))
        let ours = measure("count") { free.count.low == 0 ? 0 : 1 }
        rows.append(("count a /64 minus 1,000 excludes (\(free.count))", format(ours), "not feasible", ""))
    }

    // 3. Allocate-next (lowest free) with 1,000 addresses in use, /24 (cut to 1,000 by size) vs /10 vs /64.
    for cidr in ["10.6.0.0/20", "10.64.0.0/10", "fd00::/64"] {
        guard let network = IPNetwork(cidr) else { continue }
        let pool = IPRangeSet(network)
        // The first 1,000 addresses are in use: the worst case for a scan from the bottom.
        let used = IPRangeSet([IPRange(lower: network.first, upper: IPAddress(family: network.family, value: network.first.value + 999))!])
        let ours = measure("next") { pool.lowestAddress(notIn: used) == nil ? 0 : 1 }
        let usedSet = Set(used.addresses.map(\.value))
        let naive = measure("naive next") {
            for address in pool.addresses where !usedSet.contains(address.value) { return 1 }
            return 0
        }
        rows.append(("allocate-next in \(cidr), 1,000 in use", format(ours), "\(format(naive)) (ours is \(format3(naive / ours))× faster)", ""))
    }

    return rows
}

let only = CommandLine.arguments.dropFirst().first
if only == nil || only == "ranges" {
    print("| operation | SpiderCore (median) | naive enumeration, same run |")
    print("|---|---|---|")
    for row in rangeBenchmarks() { print("| \(row.0) | \(row.1) | \(row.2) |") }
    print("")
}
if only == nil || only == "planning" {
    print("| planning | plan (median) | plan + simulate (median) |")
    print("|---|---|---|")
    for row in PlanningBenchmarks.run() { print("| \(row.0) | \(row.1) | \(row.2) |") }
}
if only == nil || only == "allocation" {
    if only == nil { print("") }
    print("| allocation (IPAMService on EmbeddedLedger, in process) | allocate + release (median) | ratio, same run |")
    print("|---|---|---|")
    for row in AllocationBenchmarks.run() { print("| \(row.0) | \(row.1) | \(row.2) |") }
}
if only == "etcd" {
    let arguments = Array(CommandLine.arguments.dropFirst(2))
    guard let store = arguments.first, EtcdStore.isEtcd(store) else {
        print("usage: spider-bench etcd etcd://HOST:PORT/PREFIX [ADDS]")
        exit(2)
    }
    let adds = arguments.count > 1 ? Int(arguments[1]) ?? 400 : 400
    print("| ledger | clients | ADDs | ADD/s | DEL/s |")
    print("|---|---|---|---|---|")
    for row in LedgerThroughputBenchmarks.run(store: store, adds: adds) {
        print("| \(row.ledger) | \(row.clients) | \(row.adds) | \(Int(row.addsPerSecond.rounded())) | \(Int(row.delsPerSecond.rounded())) |")
    }
}
if only == "netlink" {
    print("| executing a plan (needs root) | SpiderNetlink executor (median) | ip -batch, same run |")
    print("|---|---|---|")
    for row in NetlinkBenchmarks.run() { print("| \(row.0) | \(row.1) | \(row.2) |") }
}
if only == "fill" {
    // Fills a pool with COUNT allocation records (8 writers), for the agent's memory benchmark.
    let arguments = Array(CommandLine.arguments.dropFirst(2))
    guard arguments.count == 3, EtcdStore.isEtcd(arguments[0]), let count = Int(arguments[2]) else {
        print("usage: spider-bench fill etcd://HOST:PORT/PREFIX POOL COUNT")
        exit(2)
    }
    do {
        let ledger = try EtcdLedger(store: try EtcdStore(parsing: arguments[0]))
        let service = IPAMService(ledger: ledger)
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in stride(from: worker, to: count, by: 8) {
                guard let attachment = try? Attachment(containerID: "fill-\(index)", interface: "eth0") else { continue }
                var request = AllocationRequest(attachment: attachment)
                request.podNamespace = "default"
                request.podName = "fill-\(index)"
                request.nodeName = "bench"
                request.configDefaults = PoolChoice(ipv4: [arguments[1]], ipv6: [])
                do { _ = try service.allocate(request) } catch {
                    if failures.withLock({ count in count += 1; return count }) == 1 { print("first failure: \(error)") }
                }
            }
        }
        print("filled \(count - failures.withLock { $0 }) of \(count)")
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
