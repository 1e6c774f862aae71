import Common
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Assembles a worker (event loop, key cache, application, server) and runs it until
/// SIGTERM or SIGINT, then drains.
struct WorkerRuntime {
    var configuration: GatehouseConfiguration
    var logger: Logger

    func run(listeners: [Listener]) async throws {
        // One event loop per worker process: the supervisor scales by processes, not threads.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(
            timeout: configuration.outboundTimeout, allowInsecureHTTP: configuration.allowInsecureHTTP))
        let source = ProviderKeySource(
            issuer: configuration.issuer, configuredJWKSURI: configuration.jwksURI,
            allowInsecureHTTP: configuration.allowInsecureHTTP,
            fetch: { url in
                let response = try fetcher.get(url: url, accept: "application/json")
                return (response.status, response.body)
            })
        let keys = JWKSCache(
            source: source, parser: JWKSParser(acceptedAlgorithms: configuration.algorithms),
            settings: .init(timeToLive: .init(configuration.jwksCacheTTL), cooldown: .init(configuration.jwksRefreshCooldown)),
            logger: logger)
        let application = WorkerApplication(configuration: configuration, keys: keys)
        let server = WorkerServer(application: application, group: group, logger: logger)

        keys.start(on: group.next())
        _ = try await server.start(listeners)

        let signal = await StopSignal.wait()
        logger.info("stopping", metadata: ["event": "worker.stopping", "signal": .string(signal)])
        let drained = server.shutdown()
        let timeout = TimeAmount(configuration.gracefulTimeout)
        let deadline = group.next().scheduleTask(in: timeout) { () }
        _ = try? await drained.or(deadline.futureResult).get()
        deadline.cancel()
        keys.stop()
        try await group.shutdownGracefully()
    }
}

extension EventLoopFuture where Value == Void {
    /// Whichever finishes first.
    fileprivate func or(_ other: EventLoopFuture<Void>) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        self.whenComplete { promise.completeWith($0) }
        other.hop(to: eventLoop).whenComplete { promise.completeWith($0) }
        return promise.futureResult
    }
}
