import SpiderCNI
import SpiderEtcd

/// How a node agent runs: the store it serves, where it listens, its bounds.
public struct AgentConfiguration: Sendable, Hashable {
    /// The store, as `--store` and the IPAM config's `store` name it: a directory, or
    /// `etcd://HOST:PORT[,HOST:PORT][/PREFIX]`.
    public var store: String
    /// etcd's TLS files.
    public var tls: EtcdStore.TLS
    /// The unix socket the plugin calls (default `/run/spiderpool/agent.sock`).
    public var socketPath: String
    /// Where `/metrics`, `/healthz` and `/readyz` are served (default `127.0.0.1`).
    public var metricsHost: String
    /// Default 5711.
    public var metricsPort: Int
    /// How long a connection may take to deliver its whole request (5 s).
    public var requestReadTimeout: Duration
    /// How many calls run at once; more wait, and a plugin that waits longer than its
    /// `agent_accept_timeout_ms` does the work itself.
    public var workers: Int

    public init(store: String, tls: EtcdStore.TLS = EtcdStore.TLS(), socketPath: String = AgentClient.defaultSocket,
                metricsHost: String = "127.0.0.1", metricsPort: Int = 5711, requestReadTimeout: Duration = .seconds(5), workers: Int = 8) {
        self.store = store
        self.tls = tls
        self.socketPath = socketPath
        self.metricsHost = metricsHost
        self.metricsPort = metricsPort
        self.requestReadTimeout = requestReadTimeout
        self.workers = workers
    }

    /// Reads `HOST:PORT` (`[V6]:PORT` for IPv6).
    /// - Throws: ``AgentError/invalidConfiguration(_:)``.
    public static func parseAddress(_ text: String) throws(AgentError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw .invalidConfiguration("metrics address '\(text)' is not HOST:PORT (for example 127.0.0.1:5711)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidConfiguration("metrics address '\(text)' has no host") }
        return (host, port)
    }
}

/// Why the agent cannot start or serve.
public enum AgentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A setting that cannot work.
    case invalidConfiguration(String)
    /// The store cannot be opened or read.
    case store(String)
    /// The socket or the metrics address cannot be bound.
    case cannotListen(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid agent setting: \(reason)"
        case .store(let reason): "the store cannot be served: \(reason)"
        case .cannotListen(let reason): "cannot listen: \(reason)"
        }
    }
}
