import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import SpiderCore

/// `/metrics`, `/healthz` and `/readyz` over HTTP/1.1 until graceful shutdown.
struct MetricsService: Service, CustomStringConvertible {
    let context: AgentContext

    var description: String { "MetricsService(\(context.configuration.metricsHost):\(context.configuration.metricsPort))" }

    func run() async throws {
        let context = self.context
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(context: context))
                }
            }
        let host = context.configuration.metricsHost
        let port = context.configuration.metricsPort
        let channel: any Channel
        do { channel = try await bootstrap.bind(host: host, port: port).get() } catch {
            throw AgentError.cannotListen("metrics on \(host):\(port): \(error)")
        }
        let bound = channel.localAddress?.port ?? port
        context.logger.info("metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/metrics")
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one HTTP request at a time on a connection.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let context: AgentContext
    var request: HTTPRequestHead?

    init(context: AgentContext) { self.context = context }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            answer(head, channelContext)
        }
    }

    func answer(_ head: HTTPRequestHead, _ channelContext: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            respond(.methodNotAllowed, "only GET\n", head, channelContext)
            return
        }
        switch path {
        case "/healthz":
            respond(.ok, "ok\n", head, channelContext)
        case "/readyz":
            let store = context.store
            context.workers.runIfActive(eventLoop: channelContext.eventLoop) { () -> String? in
                AgentReadiness.check(store)
            }.assumeIsolated().whenComplete { result in
                switch result {
                case .success(nil): self.respond(.ok, "ready\n", head, channelContext)
                case .success(let reason?): self.respond(.serviceUnavailable, "not ready: \(reason)\n", head, channelContext)
                case .failure(let error): self.respond(.serviceUnavailable, "not ready: \(error)\n", head, channelContext)
                }
            }
        case "/metrics":
            let context = self.context
            context.workers.runIfActive(eventLoop: channelContext.eventLoop) { () -> [UInt8] in
                AgentReadiness.refresh(context)
                return context.metrics.text()
            }.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let text): self.respond(.ok, text, head, channelContext, type: "text/plain; version=0.0.4; charset=utf-8")
                case .failure(let error): self.respond(.internalServerError, Array("\(error)\n".utf8), head, channelContext)
                }
            }
        default:
            respond(.notFound, "not found: /metrics, /healthz, /readyz\n", head, channelContext)
        }
    }

    func respond(_ status: HTTPResponseStatus, _ text: String, _ head: HTTPRequestHead, _ channelContext: ChannelHandlerContext) {
        respond(status, Array(text.utf8), head, channelContext)
    }

    func respond(_ status: HTTPResponseStatus, _ body: [UInt8], _ head: HTTPRequestHead, _ channelContext: ChannelHandlerContext,
                 type: String = "text/plain; charset=utf-8") {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        channelContext.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            channelContext.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        let done = channelContext.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = channelContext.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Readiness and the gauges, read from the store.
enum AgentReadiness {
    /// `nil` when an ADD could be served now, else why not.
    static func check(_ store: AgentStore) -> String? {
        switch store {
        case .embedded(let ledger, _):
            do throws(IPAMError) {
                _ = try ledger.pools()
                try ledger.probeWritable()
                return nil
            } catch {
                return error.description
            }
        case .etcd(let view):
            return view.isLive ? nil : "the etcd store is not followed yet (\(view.lastFailure ?? "starting"))"
        }
    }

    /// Sets the pool gauges from the store as it is now (and the view's gauges).
    static func refresh(_ context: AgentContext) {
        if case .etcd(let view) = context.store { context.metrics.updateView(live: view.isLive, reads: view.resyncs) }
        do {
            context.metrics.updatePools(try AgentMetrics.poolCounts(context.store.directLedger))
        } catch {
            context.logger.warning("the pool gauges could not be read: \(error)")
        }
    }
}
