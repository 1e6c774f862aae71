import Common
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// Serves a `WorkerApplication` on its listeners until asked to stop, then stops accepting,
/// lets in-flight requests finish and closes idle keep-alive connections. A stop may come at
/// any moment, before or while the listeners are adopted: what it finds serving drains, and
/// nothing starts serving after it.
final class WorkerServer: Sendable {
    private enum State {
        case idle
        /// One quiescing helper per listener: each follows one server channel and its connections.
        case serving([ServerQuiescingHelper])
        case stopped
    }

    private let application: WorkerApplication
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State.idle)
    private let observer: ConnectionObserver?
    /// One access-log buffer per event loop, each used on its own loop only.
    private let accessLogBuffers: [ObjectIdentifier: NIOLoopBound<AccessLogBuffer>]

    init(
        application: WorkerApplication, group: MultiThreadedEventLoopGroup, logger: Logger, logOutput: LogOutput = .standardOutput,
        observer: ConnectionObserver? = nil
    ) {
        self.application = application
        self.observer = observer
        self.group = group
        self.logger = logger
        var buffers: [ObjectIdentifier: NIOLoopBound<AccessLogBuffer>] = [:]
        for eventLoop in group.makeIterator() {
            // Made on its loop: the buffer belongs to it from the start.
            buffers[ObjectIdentifier(eventLoop)] = try? eventLoop.submit {
                NIOLoopBound(AccessLogBuffer(output: logOutput, eventLoop: eventLoop), eventLoop: eventLoop)
            }.wait()
        }
        accessLogBuffers = buffers
    }

    /// Writes every event loop's pending access lines; for the end of a drain.
    func flushAccessLogs() -> EventLoopFuture<Void> {
        let eventLoop = group.next()
        let flushed = accessLogBuffers.values.map { bound in bound.eventLoop.submit { bound.value.flush() } }
        return EventLoopFuture.andAllComplete(flushed, on: eventLoop)
    }

    /// Binds or adopts every listener; returns the bound addresses (useful with port 0).
    /// Once stopped, adopts nothing more.
    func start(_ listeners: [Listener]) async throws -> [SocketAddress] {
        var addresses: [SocketAddress] = []
        for listener in listeners {
            guard !isStopped else { break }
            let quiescing = ServerQuiescingHelper(group: group)
            let channel = try await bootstrap(for: listener, quiescing: quiescing).get()
            guard serve(quiescing) else {
                // The stop came while this listener was being adopted: close it again.
                quiescing.initiateShutdown(promise: nil)
                break
            }
            if let address = channel.localAddress { addresses.append(address) }
            var metadata: Logger.Metadata = ["event": "worker.listening", "listener": .string(listener.description)]
            if let port = channel.localAddress?.port { metadata["port"] = .stringConvertible(port) }
            if let path = channel.localAddress?.pathname { metadata["path"] = .string(path) }
            logger.info("listening", metadata: metadata)
        }
        return addresses
    }

    var isListening: Bool {
        state.withLockedValue { if case .serving = $0 { true } else { false } }
    }

    private var isStopped: Bool {
        state.withLockedValue { if case .stopped = $0 { true } else { false } }
    }

    /// Adds a listener's helper unless the server has stopped.
    private func serve(_ quiescing: ServerQuiescingHelper) -> Bool {
        state.withLockedValue { state in
            switch state {
            case .idle: state = .serving([quiescing])
            case .serving(let helpers): state = .serving(helpers + [quiescing])
            case .stopped: return false
            }
            return true
        }
    }

    /// Stops accepting and completes once every connection has closed (at once when nothing
    /// was serving yet).
    func shutdown() -> EventLoopFuture<Void> {
        let helpers = state.withLockedValue { state -> [ServerQuiescingHelper] in
            defer { state = .stopped }
            if case .serving(let helpers) = state { return helpers }
            return []
        }
        let eventLoop = group.next()
        let drained = helpers.map { quiescing in
            let promise = eventLoop.makePromise(of: Void.self)
            quiescing.initiateShutdown(promise: promise)
            return promise.futureResult
        }
        return EventLoopFuture.andAllComplete(drained, on: eventLoop)
    }

    private func bootstrap(for listener: Listener, quiescing: ServerQuiescingHelper) -> EventLoopFuture<any Channel> {
        let application = self.application
        let logger = self.logger
        let accessLog = AccessLog(logger: logger)
        let accessLogBuffers = self.accessLogBuffers
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
                    if let open = observer?.counters.connections, open >= application.limits.maxConnections {
                        try channel.pipeline.syncOperations.addHandler(ConnectionLimitHandler(logger: logger))
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(DrainRequestHandler())
                    // No per-write header validation (as Hummingbird): every response header value
                    // is a constant, a number, a request id that passed `RequestID.isWellFormed`, or
                    // configuration parsed as a URL or origin at start-up, so none can carry CR or
                    // LF. Scanning each header of each answer again was a tenth of a small request.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: false)
                    guard let buffer = accessLogBuffers[ObjectIdentifier(channel.eventLoop)]?.value else {
                        preconditionFailure("a connection on an event loop outside the server's group")
                    }
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                        responder: application.router, limits: application.limits, logger: logger,
                        accessLog: accessLog, accessLogBuffer: buffer, observer: observer))
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
