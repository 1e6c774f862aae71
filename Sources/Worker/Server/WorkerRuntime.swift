import Common
import Foundation
import HTTPFetch
import Logging
import NIOCore
import NIOPosix

/// Assembles a worker (event loop, key cache, application, server) and runs it until
/// SIGTERM or SIGINT (or the supervisor going away, or recycling), then drains.
struct WorkerRuntime {
    var configuration: GatehouseConfiguration
    var environment: [String: String]
    var logger: Logger
    var logOutput: LogOutput = .standardOutput

    /// `max_requests` plus a random jitter, so a fleet started together does not recycle together.
    static func requestLimit(_ configuration: GatehouseConfiguration) -> UInt64? {
        guard configuration.maxRequests > 0 else { return nil }
        return UInt64(configuration.maxRequests + Int.random(in: 0...configuration.maxRequestsJitter))
    }

    func run(listeners: [Listener]) async throws {
        // One event loop per worker process: the supervisor scales by processes, not threads.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(
            timeout: configuration.outboundTimeout, allowInsecureHTTP: configuration.allowInsecureHTTP))
        // Validated by the configuration loader already.
        let redisURL = configuration.redisURL.flatMap { try? RedisURL(parsing: $0) }
        // Its own client: tool traffic never queues behind (or ahead of) key refreshes.
        let notes = redisURL.map { url in
            NotesStore(
                client: RedisClient(
                    options: RedisOptions(url: url, connectTimeout: .seconds(1), commandTimeout: .seconds(1)),
                    connections: 2, connectAtStart: true),
                issuer: configuration.issuer)
        }
        let tools = ToolRegistry.forWorker(notes: notes)
        // Counted only when the supervisor serves them (GATEHOUSE_METRICS_BIND).
        let metrics = configuration.metricsBind.map { _ in WorkerMetrics(tools: tools.ordered.map(\.name), usesRedis: redisURL != nil) }
        let cacheMetrics = metrics?.cache ?? CacheMetrics()
        let openAPI = OpenAPIEndpoint(
            document: OpenAPIDocument(configuration: configuration, tools: tools), endpoints: .fallback(issuer: configuration.issuer))
        var source = ProviderKeySource(
            issuer: configuration.issuer, configuredJWKSURI: configuration.jwksURI,
            allowInsecureHTTP: configuration.allowInsecureHTTP,
            fetch: { url in
                let response = try fetcher.get(url: url, accept: "application/json")
                return (response.status, response.body)
            })
        source.endpointsDiscovered = { openAPI.update(endpoints: $0) }
        let tokenCache = configuration.tokenCacheSize > 0
            ? VerifiedTokenCache(
                capacity: configuration.tokenCacheSize, maximumAge: .init(configuration.tokenCacheMaximumAge), metrics: cacheMetrics)
            : nil
        // The loader refuses a Redis URL without a signing key.
        let shared = redisURL.flatMap { url in
            configuration.sharedCacheKey.map { key in
                SharedJWKSStore(
                    client: RedisClient(options: RedisOptions(url: url, connectTimeout: .seconds(1), commandTimeout: .seconds(1)), connections: 1),
                    issuer: configuration.issuer, jwksURI: configuration.jwksURI, signingKey: key, clockSkew: configuration.clockLeeway)
            }
        }
        let keys = JWKSCache(
            source: source, parser: JWKSParser(acceptedAlgorithms: configuration.algorithms),
            settings: .init(
                timeToLive: .init(configuration.jwksCacheTTL), cooldown: .init(configuration.jwksRefreshCooldown),
                maximumStaleness: .init(configuration.jwksMaximumStaleness)),
            logger: logger, shared: shared, metrics: cacheMetrics, keysChanged: { tokenCache?.retainOnly(thumbprints: $0) })
        let trigger = ShutdownTrigger()
        WorkerSignals.start(trigger: trigger, logOutput: logOutput, logger: logger)
        let application = WorkerApplication(
            configuration: configuration, keys: keys, tokenCache: tokenCache, tools: tools, openAPI: openAPI,
            metrics: metrics, isDraining: { trigger.hasFired })
        let counters = RequestCounters()
        let link = SupervisorLink(
            environment: environment, counters: counters, trigger: trigger,
            maxRequests: Self.requestLimit(configuration), logger: logger,
            metrics: metrics.map { metrics in
                { @Sendable () -> [UInt8] in
                    // The gauges are read when they are sent.
                    metrics.connections.set(to: Double(counters.connections))
                    metrics.keySetAge.set(to: keys.keySetAge.map { Double($0.nanoseconds) / 1e9 } ?? 0)
                    metrics.redisUp?.set(to: keys.redisStatus == .ok ? 1 : 0)
                    metrics.tokenCacheEntries.set(to: Double(tokenCache?.count ?? 0))
                    return metrics.exposition()
                }
            })
        let resourcePath = configuration.resourcePath
        let server = WorkerServer(
            application: application, group: group, logger: logger, logOutput: logOutput,
            observer: ConnectionObserver(
                counters: counters, requestCompleted: { link.requestCompleted(total: $0) },
                answered: metrics.map { metrics in
                    { @Sendable (request: HTTPRequest, response: HTTPResponse, duration: TimeAmount) in
                        metrics.answered(request: request, response: response, duration: duration, resourcePath: resourcePath)
                    }
                }))

        let keysLoaded = keys.start(on: group.next())
        keysLoaded.whenSuccess { link.checkReadiness() }
        let discoverySource = source
        keysLoaded.whenSuccess {
            // Keys from Redis (another worker fetched them) come without this worker reading the
            // discovery document: read it once for the OpenAPI document's OAuth endpoints, so every
            // worker serves the same document. Failure keeps the fallback endpoints.
            guard configuration.jwksURI == nil, !openAPI.hasDiscoveredEndpoints else { return }
            _ = NIOThreadPool.singleton.runIfActive(eventLoop: group.next()) { try discoverySource.resolveJWKSURI() }
        }
        // Inherited sockets are shared with a worker that is serving (or hold a queue a
        // replacement will serve): accept nothing before tokens can be validated. A worker
        // on its own binds at once, so /healthz and /readyz answer while it loads keys.
        let inherited = listeners.contains { if case .inherited = $0 { true } else { false } }
        link.start(on: group.next(), isReady: { keys.isLoaded && server.isListening })
        if inherited {
            let stopped = trigger.waitFuture(on: group.next())
            _ = try? await keysLoaded.or(stopped).get()
        }
        if !trigger.hasFired {
            _ = try await server.start(listeners)
            link.checkReadiness()
        }

        let reason = await trigger.wait()
        logger.info("stopping", metadata: ["event": "worker.stopping", "reason": .string(reason)])
        let drained = server.shutdown()
        let timeout = TimeAmount(configuration.gracefulTimeout)
        let deadline = group.next().scheduleTask(in: timeout) { () }
        _ = try? await drained.or(deadline.futureResult).get()
        deadline.cancel()
        try? await server.flushAccessLogs().get()
        keys.stop()
        try await group.shutdownGracefully()
    }
}

extension ShutdownTrigger {
    /// Completes when the trigger fires.
    fileprivate func waitFuture(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { _ = await self.wait() }
        return promise.futureResult
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
