import Logging
import NIOPosix

/// What every part of a running agent shares.
struct AgentContext: Sendable {
    var configuration: AgentConfiguration
    var store: AgentStore
    var executor: CallExecutor
    var metrics: AgentMetrics
    var logger: Logger
    /// The threads calls run on (ledger calls block).
    var workers: NIOThreadPool
}
