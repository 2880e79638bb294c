import Prometheus
import SpiderCore
import Synchronization

/// The agent's metrics in the Prometheus text format (Docs/METRICS.md).
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let poolGauges = Mutex<[String: (total: Gauge, allocated: Gauge)]>([:])

    static let requests = "spiderpool_cni_requests_total"
    static let requestsHelp = "CNI calls of the spiderpool and coordinator plugins on this node, by plugin, command and result (success or failure)."
    static let duration = "spiderpool_cni_request_duration_seconds"
    static let durationHelp = "How long CNI calls took: the whole plugin process for calls it ran itself, the agent's work for calls it served."
    static let total = "spiderpool_ippool_total_ips"
    static let totalHelp = "Addresses a SpiderIPPool may hand out (its ips without its excludeIPs)."
    static let allocated = "spiderpool_ippool_allocated_ips"
    static let allocatedHelp = "Addresses of a SpiderIPPool held by an allocation record (parked sticky addresses included)."
    static let served = "spiderpool_agent_calls_total"
    static let servedHelp = "Calls that reached the agent, by outcome: served, refused (the plugin ran them itself) or reported."
    static let viewLive = "spiderpool_agent_etcd_view_live"
    static let viewLiveHelp = "1 while the agent's copy of the etcd store follows a live watch, else 0."
    static let viewResyncs = "spiderpool_agent_etcd_view_reads"
    static let viewResyncsHelp = "How many times the agent read the whole etcd store (at start and after losing its watch)."

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
        registry.makeCounter(name: AgentMetrics.requests, labels: [("plugin", plugin), ("command", command), ("result", succeeded ? "success" : "failure")],
                             help: AgentMetrics.requestsHelp).increment()
        registry.makeDurationHistogram(name: AgentMetrics.duration, labels: [("plugin", plugin), ("command", command)], buckets: AgentMetrics.buckets,
                                       help: AgentMetrics.durationHelp)
            .record(.nanoseconds(Int64(min(seconds, 1e9) * 1e9)))
    }

    /// Counts what happened to a connection: `served`, `refused`, `reported`.
    public func recordOutcome(_ outcome: String) {
        registry.makeCounter(name: AgentMetrics.served, labels: [("outcome", outcome)], help: AgentMetrics.servedHelp).increment()
    }

    /// Sets the pool gauges to the store's counts; pools no longer stored lose theirs.
    public func updatePools(_ counts: [(pool: String, total: Double, allocated: Double)]) {
        poolGauges.withLock { gauges in
            var seen: Set<String> = []
            for item in counts {
                seen.insert(item.pool)
                let pair = gauges[item.pool] ?? (
                    registry.makeGauge(name: AgentMetrics.total, labels: [("pool", item.pool)], help: AgentMetrics.totalHelp),
                    registry.makeGauge(name: AgentMetrics.allocated, labels: [("pool", item.pool)], help: AgentMetrics.allocatedHelp))
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
        registry.makeGauge(name: AgentMetrics.viewLive, help: AgentMetrics.viewLiveHelp).set(to: live ? 1.0 : 0.0)
        registry.makeGauge(name: AgentMetrics.viewResyncs, help: AgentMetrics.viewResyncsHelp).set(to: Double(reads))
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
