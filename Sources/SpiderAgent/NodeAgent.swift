import Logging
import NIOPosix
import ServiceLifecycle
import SpiderEtcd

/// The node agent (`spiderctl agent`): serves the `spiderpool` plugin's ADDs over a unix
/// socket with warm state and exposes metrics; see Docs/AGENT.md. The plugin never depends on
/// it: without an answer in time it does the work itself.
public struct NodeAgent: Sendable {
    public let configuration: AgentConfiguration
    public let logger: Logger

    public init(configuration: AgentConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens the store, starts the services and runs until SIGTERM or SIGINT, then stops
    /// taking calls, lets the running ones finish and returns.
    public func run() async throws {
        let logger = self.logger
        // Two malloc arenas, not one per worker thread: freed memory is reused instead of
        // held per thread (the agent's resident size stays flat under bursts).
        _ = glibcMallopt(glibcArenaMax, 2)
        let store = try AgentStore.open(configuration) { line in logger.info("\(line)") }
        let workers = NIOThreadPool(numberOfThreads: max(1, configuration.workers))
        workers.start()
        let context = AgentContext(configuration: configuration, store: store, executor: CallExecutor(store: store),
                                   metrics: AgentMetrics(), logger: logger, workers: workers)
        var services: [any Service] = []
        if case .etcd(let view) = store { services.append(ViewService(view: view)) }
        services.append(MetricsService(context: context))
        services.append(CallSocketService(context: context))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await workers.shutdownGracefully()
            throw error
        }
        try? await workers.shutdownGracefully()
    }
}

/// Follows the etcd store until graceful shutdown.
struct ViewService: Service, CustomStringConvertible {
    let view: EtcdStoreView

    var description: String { "ViewService(\(view.ledger.store))" }

    func run() async throws {
        await cancelWhenGracefulShutdown { await view.run() }
    }
}

/// glibc's `mallopt` and `M_ARENA_MAX` (`<malloc.h>`, which the Glibc module does not bring).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
let glibcArenaMax: Int32 = -8
