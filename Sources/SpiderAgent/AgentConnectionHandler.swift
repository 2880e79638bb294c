import Glibc
import Logging
import NIOCore
import NIOPosix
import SpiderCNI

/// One connection to the agent's socket: checks the peer (root only), reads one frame within
/// the read bound and at most ``AgentFrame/maxPayload`` bytes, and answers it.
final class AgentConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let context: AgentContext
    var buffer = ByteBuffer()
    var header: (kind: AgentFrame.Kind, length: Int)?
    var peerAllowed: Bool?
    var finished = false
    var deadline: Scheduled<Void>?

    init(context: AgentContext) { self.context = context }

    func channelActive(context channelContext: ChannelHandlerContext) {
        let channel = channelContext.channel
        let logger = context.logger
        let metrics = context.metrics
        let readTimeout = context.configuration.requestReadTimeout
        deadline = channelContext.eventLoop.scheduleTask(in: TimeAmount(readTimeout)) {
            // No complete request in time: the connection is dropped.
            logger.debug("a connection sent no complete request within \(readTimeout); closed")
            metrics.recordOutcome("refused")
            channel.close(promise: nil)
        }
        guard let provider = channel as? SocketOptionProvider else {
            refuse("the agent cannot tell who connected", channelContext)
            return
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        credentials.hop(to: channelContext.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let peer) where peer.uid == 0:
                self.peerAllowed = true
                self.process(channelContext)
            case .success(let peer):
                self.peerAllowed = false
                logger.warning("refused a connection from uid \(peer.uid) (pid \(peer.pid)): only root may call the agent")
                self.refuse("only root may call the agent; this process runs as uid \(peer.uid)", channelContext)
            case .failure(let error):
                self.peerAllowed = false
                self.refuse("the agent cannot tell who connected: \(error)", channelContext)
            }
        }
        channelContext.fireChannelActive()
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        deadline?.cancel()
        finished = true
        channelContext.fireChannelInactive()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        process(channelContext)
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: any Error) {
        context.logger.debug("a connection failed: \(error)")
        channelContext.close(promise: nil)
    }

    /// Reads the header, then the payload, then handles the frame (once the peer is known).
    func process(_ channelContext: ChannelHandlerContext) {
        guard !finished else { return }
        if header == nil, buffer.readableBytes >= AgentFrame.headerSize, let bytes = buffer.getBytes(at: buffer.readerIndex, length: AgentFrame.headerSize) {
            do {
                header = try AgentFrame.parseHeader(bytes)
                buffer.moveReaderIndex(forwardBy: AgentFrame.headerSize)
            } catch {
                // Refused from the header alone: an oversized payload is never read.
                context.logger.warning("refused a request: \(error)")
                refuse("\(error)", channelContext)
                return
            }
        }
        guard let header, buffer.readableBytes >= header.length, let allowed = peerAllowed else { return }
        guard allowed else { return }
        let payload = buffer.readBytes(length: header.length) ?? []
        deadline?.cancel()
        handle(AgentFrame(header.kind, payload: payload), channelContext)
    }

    func handle(_ frame: AgentFrame, _ channelContext: ChannelHandlerContext) {
        switch frame.kind {
        case .report:
            finished = true
            if let report = AgentReport(json: frame.payload) {
                context.metrics.recordCall(plugin: report.plugin, command: report.command, succeeded: report.succeeded, seconds: report.seconds)
                context.metrics.recordOutcome("reported")
            }
            channelContext.close(promise: nil)
        case .call:
            guard let call = AgentCall(json: frame.payload) else {
                refuse("the call cannot be read", channelContext)
                return
            }
            if let reason = CallExecutor.refusal(call) {
                refuse(reason, channelContext)
                return
            }
            finished = true
            run(call, channel: channelContext.channel)
        default:
            refuse("a plugin sends a call or a report, not \(frame.kind)", channelContext)
        }
    }

    /// Runs the call on a worker thread: `accepted` when the work starts, then the answer.
    func run(_ call: AgentCall, channel: any Channel) {
        let executor = context.executor
        let metrics = context.metrics
        let logger = context.logger
        context.workers.submit { state in
            guard state == .active, channel.isActive else { return }  // the plugin gave up waiting
            channel.writeAndFlush(ByteBuffer(bytes: AgentFrame(.accepted).encoded), promise: nil)
            let started = ContinuousClock.now
            let outcome = executor.run(call)
            let elapsed = ContinuousClock.now - started
            let frame: AgentFrame
            switch outcome {
            case .answered(let answer):
                let (seconds, attoseconds) = elapsed.components
                metrics.recordCall(plugin: call.plugin, command: call.command, succeeded: answer.status == 0,
                                   seconds: Double(seconds) + Double(attoseconds) / 1e18)
                metrics.recordOutcome("served")
                frame = AgentFrame(.answer, text: answer.json)
            case .refused(let reason):
                logger.debug("refused a call: \(reason)")
                metrics.recordOutcome("refused")
                frame = AgentFrame(.refused, text: AgentRefusal(reason).json)
            }
            channel.writeAndFlush(ByteBuffer(bytes: frame.encoded)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func refuse(_ reason: String, _ channelContext: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        deadline?.cancel()
        context.metrics.recordOutcome("refused")
        let channel = channelContext.channel
        channel.writeAndFlush(ByteBuffer(bytes: AgentFrame(.refused, text: AgentRefusal(reason).json).encoded)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
