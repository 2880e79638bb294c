import ArgumentParser
import Foundation
import Logging
import SpiderAgent
import SpiderCNI
import SpiderEtcd

/// `spiderctl agent`: the node agent.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the node agent: serves the spiderpool plugin's ADDs with warm state, and /metrics.",
        discussion: """
            A long-running service for one node (Docs/AGENT.md). The plugin sends an ADD to \
            the agent's socket when its IPAM config's agent_socket (default \
            /run/spiderpool/agent.sock) answers within agent_accept_timeout_ms, and does the \
            work itself otherwise; DEL and GC never depend on the agent. Over etcd the agent \
            follows the store with a watch, so an ADD costs one transaction. /metrics, /healthz \
            and /readyz are served on --metrics-address (Docs/METRICS.md). SIGTERM or SIGINT \
            stops it gracefully: no new calls, running ones finish. Logs go to stderr.

            Example:
              spiderctl agent --store etcd://127.0.0.1:2379/spiderpool
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("The unix socket the plugin calls (created 0600, root only).", valueName: "PATH"))
    var socket: String = AgentClient.defaultSocket

    @Option(name: .customLong("metrics-address"), help: ArgumentHelp("Where /metrics, /healthz and /readyz are served.", valueName: "HOST:PORT"))
    var metricsAddress: String = "127.0.0.1:5711"

    @Option(help: ArgumentHelp("How many calls run at once.", valueName: "N"))
    var workers: Int = 8

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds a connection may take to send its whole request.", valueName: "SECONDS"))
    var requestTimeout: Double = 5

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "LEVEL"))
    var logLevel: String = "info"

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CommandFailure("unknown --log-level '\(logLevel)': trace, debug, info, notice, warning, error or critical")
        }
        guard (1...256).contains(workers) else { throw CommandFailure("--workers must be 1 to 256, not \(workers)") }
        guard requestTimeout.isFinite, requestTimeout >= 0.01, requestTimeout <= 600 else {
            throw CommandFailure("--request-timeout must be 0.01 to 600 seconds, not \(requestTimeout)")
        }
        guard getuid() == 0 else { throw CommandFailure("the agent must run as root (it serves root's CNI plugin on a root-only socket)") }
        let address: (host: String, port: Int)
        do { address = try AgentConfiguration.parseAddress(metricsAddress) } catch { throw CommandFailure(error.description) }
        let configuration = AgentConfiguration(
            store: storeOptions.store,
            tls: EtcdStore.TLS(caFile: storeOptions.etcdCACert, certFile: storeOptions.etcdCert, keyFile: storeOptions.etcdKey),
            socketPath: socket, metricsHost: address.host, metricsPort: address.port,
            requestReadTimeout: .milliseconds(Int64(requestTimeout * 1000)), workers: workers)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let agent = NodeAgent(configuration: configuration, logger: Logger(label: "spiderpool-agent"))
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await agent.run() } catch { failure.set("\(error)") }
            finished.signal()
        }
        finished.wait()
        if let message = failure.get() { throw CommandFailure(message) }
    }
}

/// The agent's failure, handed from its task to the command.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    func set(_ text: String) { lock.lock(); message = text; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return message }
}
