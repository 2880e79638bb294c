import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpiderCNI

/// Serves the plugin on the unix socket until graceful shutdown; the socket file is created
/// with mode 0600 (under a umask of 0177, so it is never reachable by others, not even for an
/// instant) and removed at shutdown.
struct CallSocketService: Service, CustomStringConvertible {
    let context: AgentContext

    var description: String { "CallSocketService(\(context.configuration.socketPath))" }

    func run() async throws {
        let path = context.configuration.socketPath
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty && access(directory, F_OK) != 0 && mkdir(directory, 0o755) != 0 {
            throw AgentError.cannotListen("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFSOCK {
            throw AgentError.cannotListen("\(path) exists and is not a socket: refused (remove it or choose another --socket)")
        }
        let context = self.context
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AgentConnectionHandler(context: context))
                }
            }
        let previous = umask(0o177)
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            umask(previous)
        } catch {
            umask(previous)
            throw AgentError.cannotListen("\(path): \(error)")
        }
        chmod(path, 0o600)
        context.logger.info("serving the spiderpool plugin on \(path) for the store \(context.store.description)")
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        unlink(path)
        context.logger.info("stopped serving \(path)")
    }
}
