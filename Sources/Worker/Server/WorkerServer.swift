import Common
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// Serves a `WorkerApplication` on its listeners until asked to stop, then stops accepting,
/// lets in-flight requests finish and closes idle keep-alive connections.
final class WorkerServer: Sendable {
    private let application: WorkerApplication
    private let group: MultiThreadedEventLoopGroup
    private let quiescing: ServerQuiescingHelper
    private let logger: Logger
    private let channels = NIOLockedValueBox<[any Channel]>([])
    private let observer: ConnectionObserver?

    init(application: WorkerApplication, group: MultiThreadedEventLoopGroup, logger: Logger, observer: ConnectionObserver? = nil) {
        self.application = application
        self.observer = observer
        self.group = group
        self.quiescing = ServerQuiescingHelper(group: group)
        self.logger = logger
    }

    /// Binds or adopts every listener; returns the bound addresses (useful with port 0).
    func start(_ listeners: [Listener]) async throws -> [SocketAddress] {
        var addresses: [SocketAddress] = []
        for listener in listeners {
            let channel = try await bootstrap(for: listener).get()
            channels.withLockedValue { $0.append(channel) }
            if let address = channel.localAddress { addresses.append(address) }
            var metadata: Logger.Metadata = ["event": "worker.listening", "listener": .string(listener.description)]
            if let port = channel.localAddress?.port { metadata["port"] = .stringConvertible(port) }
            if let path = channel.localAddress?.pathname { metadata["path"] = .string(path) }
            logger.info("listening", metadata: metadata)
        }
        return addresses
    }

    var isListening: Bool { !channels.withLockedValue { $0.isEmpty } }

    /// Stops accepting and completes once every connection has closed.
    func shutdown() -> EventLoopFuture<Void> {
        let promise = group.next().makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        return promise.futureResult
    }

    private func bootstrap(for listener: Listener) -> EventLoopFuture<any Channel> {
        let application = self.application
        let logger = self.logger
        let quiescing = self.quiescing
        let accessLog = AccessLog(logger: logger)
        let observer = self.observer
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DrainRequestHandler())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                        responder: application.router, limits: application.limits, logger: logger, accessLog: accessLog,
                        observer: observer))
                }
            }
        switch listener {
        case .inherited(let fd):
            return bootstrap.withBoundSocket(fd)
        case .bind(.tcp(let host, let port)):
            return bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1).bind(host: host, port: port)
        case .bind(.unix(let path)):
            return bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
        }
    }
}
