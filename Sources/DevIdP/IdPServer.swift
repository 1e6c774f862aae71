import NIOCore
import NIOHTTP1
import NIOPosix

/// The listening socket and its event loops.
struct IdPServer: Sendable {
    let channel: any Channel
    let group: MultiThreadedEventLoopGroup

    /// The port actually bound (the kernel's choice for `--port 0`).
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(host: String, port: Int, router: IdPRouter) async throws -> IdPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(IdPHTTPHandler(router: router))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return IdPServer(channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw StartupError(description: "cannot listen on \(host) port \(port): \(error)")
        }
    }

    /// Stops accepting, then closes open keep-alive connections with the event loops.
    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}
