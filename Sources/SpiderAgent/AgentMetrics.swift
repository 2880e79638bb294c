import Prometheus
import SpiderCore
import Synchronization

/// The agent's metrics in the Prometheus text format (Docs/METRICS.md).
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let poolGauges = Mutex<[String: (total: Gauge, allocated: Gauge)]>([:])

    /// A metric's name as its parts (`spiderpool_SUBSYSTEM_METRIC_UNIT`) and its help text.
    struct Name: Sendable {
        var subsystem: String
        var metric: String
        var unit: String
        var help: String

        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "spiderpool", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
    }

    static let requests = Name(subsystem: "cni", metric: "requests", unit: "total",
                               help: "CNI calls of the spiderpool and coordinator plugins on this node, by plugin, command and result (success or failure).")
    static let duration = Name(subsystem: "cni", metric: "request_duration", unit: "seconds",
                               help: "How long CNI calls took: the whole plugin process for calls it ran itself, the agent's work for calls it served.")
    static let total = Name(subsystem: "ippool", metric: "total", unit: "ips",
                            help: "Addresses a SpiderIPPool may hand out (its ips without its excludeIPs).")
    static let allocated = Name(subsystem: "ippool", metric: "allocated", unit: "ips",
                                help: "Addresses of a SpiderIPPool held by an allocation record (parked sticky addresses included).")
    static let served = Name(subsystem: "agent", metric: "calls", unit: "total",
                             help: "Calls that reached the agent, by outcome: served, refused (the plugin ran them itself) or reported.")
    static let viewLive = Name(subsystem: "agent", metric: "etcd_view", unit: "live",
                               help: "1 while the agent's copy of the etcd store follows a live watch, else 0.")
    static let viewReads = Name(subsystem: "agent", metric: "etcd_view", unit: "reads",
                                help: "How many times the agent read the whole etcd store (at start and after losing its watch).")

    /// The histogram's buckets: 1 ms to 10 s.
    static let buckets: [Duration] = [.milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .microseconds(2_500_000), .seconds(5), .seconds(10)]

    static let plugins: Set<String> = ["spiderpool", "coordinator"]
    static let commands: Set<String> = ["ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION"]

    public init() {}

    /// Counts one CNI call; labels outside the plugins' names and the CNI commands are dropped.
    public func recordCall(plugin: String, command: String, succeeded: Bool, seconds: Double) {
        guard AgentMetrics.plugins.contains(plugin), AgentMetrics.commands.contains(command), seconds.isFinite, seconds >= 0 else { return }
        registry.makeCounter(descriptor: AgentMetrics.requests.descriptor,
                             labels: [("plugin", plugin), ("command", command), ("result", succeeded ? "success" : "failure")]).increment()
        registry.makeDurationHistogram(descriptor: AgentMetrics.duration.descriptor, labels: [("plugin", plugin), ("command", command)],
                                       buckets: AgentMetrics.buckets)
            .record(.nanoseconds(Int64(min(seconds, 1e9) * 1e9)))
    }

    /// Counts what happened to a connection: `served`, `refused`, `reported`.
    public func recordOutcome(_ outcome: String) {
        registry.makeCounter(descriptor: AgentMetrics.served.descriptor, labels: [("outcome", outcome)]).increment()
    }

    /// Sets the pool gauges to the store's counts; pools no longer stored lose theirs.
    public func updatePools(_ counts: [(pool: String, total: Double, allocated: Double)]) {
        poolGauges.withLock { gauges in
            var seen: Set<String> = []
            for item in counts {
                seen.insert(item.pool)
                let pair = gauges[item.pool] ?? (
                    registry.makeGauge(descriptor: AgentMetrics.total.descriptor, labels: [("pool", item.pool)]),
                    registry.makeGauge(descriptor: AgentMetrics.allocated.descriptor, labels: [("pool", item.pool)]))
                pair.total.set(to: item.total)
                pair.allocated.set(to: item.allocated)
                gauges[item.pool] = pair
            }
            for (pool, pair) in gauges where !seen.contains(pool) {
                registry.unregisterGauge(pair.total)
                registry.unregisterGauge(pair.allocated)
                gauges[pool] = nil
            }
        }
    }

    /// Sets the etcd view's gauges.
    public func updateView(live: Bool, reads: Int) {
        registry.makeGauge(descriptor: AgentMetrics.viewLive.descriptor).set(to: live ? 1.0 : 0.0)
        registry.makeGauge(descriptor: AgentMetrics.viewReads.descriptor).set(to: Double(reads))
    }

    /// The exposition text.
    public func text() -> [UInt8] { registry.emitToBuffer() }

    /// Each pool's total and allocated addresses, from the store as it is now.
    public static func poolCounts(_ ledger: some Ledger) throws(IPAMError) -> [(pool: String, total: Double, allocated: Double)] {
        let pools = try ledger.pools()
        var held: [String: Int] = [:]
        for record in try ledger.allRecords() { held[record.pool, default: 0] += 1 }
        return pools.map { pool in
            let total = (try? PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs))?.totalCount.clampedToInt64 ?? 0
            return (pool.name, Double(total), Double(held[pool.name] ?? 0))
        }
    }
}
