import Common
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET /metrics` on a listener of its own (`GATEHOUSE_METRICS_BIND`), apart from the public
/// port: one thread of SwiftNIO beside the arbiter's loop, which it never blocks. It renders
/// what the loop keeps in a swift-prometheus registry; it changes nothing.
final class MetricsServer: Sendable {
    private let host: String
    private let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let token: String?
    private let render: @Sendable () -> [UInt8]
    private let logger: Logger
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    init(host: String, port: Int, token: String?, logger: Logger, render: @escaping @Sendable () -> [UInt8]) {
        self.host = host
        self.port = port
        self.logger = logger
        self.token = token
        self.render = render
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Binds and serves; a failure (port taken, address not local) is the caller's to report.
    static func start(
        host: String, port: Int, token: String?, logger: Logger, render: @escaping @Sendable () -> [UInt8]
    ) throws -> MetricsServer {
        let server = MetricsServer(host: host, port: port, token: token, logger: logger, render: render)
        do {
            try server.bind()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Where it listens, with the port the kernel chose when asked for port 0.
    var address: String? {
        channel.withLockedValue { $0?.localAddress }.map { BindAddress.tcp(host: host, port: $0.port ?? port).description }
    }

    func bind() throws {
        try listen().wait()
    }

    /// For the new supervisor of a binary upgrade: the old one holds the port until it leaves,
    /// which it does once this one is ready. Tries again until `attempts` run out.
    func bindWhenFree(attempts: Int, interval: TimeAmount = .milliseconds(250)) {
        listen().whenFailure { [self] error in
            guard attempts > 1 else {
                return logger.error("metrics listener not started: \(error)", metadata: ["event": "metrics.bind_failed"])
            }
            group.next().scheduleTask(in: interval) { self.bindWhenFree(attempts: attempts - 1, interval: interval) }
        }
    }

    private func listen() -> EventLoopFuture<Void> {
        let (token, render) = (self.token, self.render)
        return ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(token: token, render: render))
                }
            }
            .bind(host: host, port: port)
            .map { [self] bound in
                channel.withLockedValue { $0 = bound }
                logger.info("metrics listening", metadata: ["event": "metrics.listening", "listen": .string(address ?? "")])
            }
    }

    func stop() {
        let bound = channel.withLockedValue { $0 }
        try? bound?.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One scrape per connection: the method, the path and the bearer secret are checked on the
/// request head; the answer closes the connection.
private final class MetricsRequestHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let token: String?
    private let render: @Sendable () -> [UInt8]

    init(token: String?, render: @escaping @Sendable () -> [UInt8]) {
        self.token = token
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/metrics" else { return respond(context, .notFound, "not found: the metrics are at /metrics\n") }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(context, .methodNotAllowed, "use GET\n", extra: [("Allow", "GET, HEAD")])
        }
        if let token, !Self.presents(token, in: head.headers) {
            return respond(
                context, .unauthorized, "a bearer secret is required\n",
                extra: [("WWW-Authenticate", #"Bearer realm="gatehouse-metrics""#)])
        }
        respond(context, .ok, render(), contentType: "text/plain; version=0.0.4; charset=utf-8", bodyless: head.method == .HEAD)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
    }

    private static func presents(_ token: String, in headers: HTTPHeaders) -> Bool {
        guard let value = headers.first(name: "Authorization"), value.count > 7,
            value.prefix(7).lowercased() == "bearer "
        else { return false }
        return ConstantTime.equal(value.dropFirst(7), token)
    }

    private func respond(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String, extra: [(String, String)] = []
    ) {
        respond(context, status, Array(body.utf8), contentType: "text/plain; charset=utf-8", extra: extra)
    }

    private func respond(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: [UInt8], contentType: String,
        extra: [(String, String)] = [], bodyless: Bool = false
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count)), ("Connection", "close")])
        headers.add(contentsOf: extra)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !bodyless { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
