import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A worker's in-memory cache of the issuer's verification keys.
///
/// Lookups are synchronous and lock-protected. Refreshes run on the thread pool, one at a
/// time: concurrent callers share the one in flight, and a `kid` the cache does not know can
/// trigger at most one refresh per cooldown window. Keys stay usable when a refresh fails.
final class JWKSCache: Sendable {
    enum RefreshReason: String, Sendable {
        case startup, expired, unknownKeyID = "unknown_kid"
    }

    struct Settings: Sendable {
        var timeToLive: TimeAmount
        var cooldown: TimeAmount
    }

    private struct State {
        var keySet = KeySet.empty
        var loaded = false
        var jwksURI: String?
        /// When a `kid` miss last caused a refresh; the cooldown counts from here only, so a
        /// rotation right after start-up (or a scheduled refresh) is picked up at once.
        var lastUnknownKeyRefresh: NIODeadline?
        var inFlight: EventLoopFuture<KeySet>?
        var fetches = 0
        var failures = 0
        var stopped = false
        var timer: RepeatedTask?
        var retry: Scheduled<Void>?
        var firstLoad: EventLoopPromise<Void>?
    }

    private let state = NIOLockedValueBox(State())
    private let source: ProviderKeySource
    private let parser: JWKSParser
    private let settings: Settings
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// Told the key ids after every successful refresh (the token cache drops the rest).
    private let keysChanged: @Sendable (Set<String>) -> Void

    init(
        source: ProviderKeySource, parser: JWKSParser, settings: Settings, threadPool: NIOThreadPool = .singleton, logger: Logger,
        keysChanged: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.keysChanged = keysChanged
        self.source = source
        self.parser = parser
        self.settings = settings
        self.threadPool = threadPool
        self.logger = logger
    }

    /// True once a key set has been loaded; the worker is ready from then on.
    var isLoaded: Bool { state.withLockedValue { $0.loaded } }

    var keyCount: Int { state.withLockedValue { $0.keySet.keys.count } }

    func key(for keyID: String) -> VerificationKey? {
        state.withLockedValue { $0.keySet[keyID] }
    }

    /// For a `kid` not in the cache: refresh if the cooldown allows (or join the refresh in
    /// flight) and look again; otherwise answer nil at once.
    func keyAfterRefresh(for keyID: String, on eventLoop: any EventLoop) -> EventLoopFuture<VerificationKey?> {
        let refresh: EventLoopFuture<KeySet>? = state.withLockedValue { state in
            if let inFlight = state.inFlight { return inFlight }
            if let last = state.lastUnknownKeyRefresh, NIODeadline.now() - last < settings.cooldown { return nil }
            state.lastUnknownKeyRefresh = .now()
            return startRefresh(&state, reason: .unknownKeyID, on: eventLoop)
        }
        guard let refresh else {
            return eventLoop.makeSucceededFuture(nil)
        }
        return refresh.hop(to: eventLoop).map { $0[keyID] }.recover { _ in self.key(for: keyID) }
    }

    /// Refreshes unless one is in flight (then joins it).
    @discardableResult
    func refresh(reason: RefreshReason, on eventLoop: any EventLoop) -> EventLoopFuture<KeySet> {
        state.withLockedValue { state in
            state.inFlight ?? startRefresh(&state, reason: reason, on: eventLoop)
        }.hop(to: eventLoop)
    }

    /// Loads keys until it succeeds (backing off), then refreshes every time-to-live. The
    /// future completes once the first key set is loaded.
    @discardableResult
    func start(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let loaded = eventLoop.makePromise(of: Void.self)
        state.withLockedValue { $0.firstLoad = loaded }
        loadInitially(on: eventLoop, attempt: 0)
        return loaded.futureResult
    }

    /// Cancels the timers; call before the event loop shuts down.
    func stop() {
        let pending: EventLoopPromise<Void>? = state.withLockedValue { state in
            state.stopped = true
            state.timer?.cancel()
            state.retry?.cancel()
            defer { state.firstLoad = nil }
            return state.firstLoad
        }
        pending?.fail(ChannelError.ioOnClosedChannel)
    }

    private func loadInitially(on eventLoop: any EventLoop, attempt: Int) {
        refresh(reason: .startup, on: eventLoop).whenComplete { result in
            // Callbacks of `firstLoad` may read this cache: complete it outside the lock.
            let loaded: EventLoopPromise<Void>? = self.state.withLockedValue { state in
                guard !state.stopped else { return nil }
                switch result {
                case .success:
                    state.timer = eventLoop.scheduleRepeatedTask(
                        initialDelay: self.settings.timeToLive, delay: self.settings.timeToLive
                    ) { _ in
                        self.refresh(reason: .expired, on: eventLoop)
                    }
                    defer { state.firstLoad = nil }
                    return state.firstLoad
                case .failure:
                    let delay = TimeAmount.milliseconds(Int64(min(30_000, 250 << min(attempt, 7))))
                    state.retry = eventLoop.scheduleTask(in: delay) { self.loadInitially(on: eventLoop, attempt: attempt + 1) }
                    return nil
                }
            }
            loaded?.succeed()
        }
    }

    private func startRefresh(_ state: inout State, reason: RefreshReason, on eventLoop: any EventLoop) -> EventLoopFuture<KeySet> {
        let knownURI = state.jwksURI
        let promise = eventLoop.makePromise(of: KeySet.self)
        state.inFlight = promise.futureResult
        promise.completeWithTask {
            try await self.fetchAndParse(reason: reason, knownURI: knownURI)
        }
        promise.futureResult.whenComplete { result in
            self.state.withLockedValue { state in
                state.inFlight = nil
                state.fetches += 1
                if case .success(let keySet) = result {
                    state.keySet = keySet
                    state.loaded = true
                } else {
                    state.failures += 1
                }
            }
            if case .success(let keySet) = result { self.keysChanged(Set(keySet.keys.keys)) }
        }
        return promise.futureResult
    }

    private func fetchAndParse(reason: RefreshReason, knownURI: String?) async throws -> KeySet {
        let source = self.source
        do {
            let (uri, document) = try await threadPool.runIfActive { () throws -> (String, [UInt8]) in
                let uri = try knownURI ?? source.resolveJWKSURI()
                return (uri, try source.fetchDocument(from: uri))
            }
            let outcome = try await parser.parse(document)
            guard !outcome.keys.isEmpty else {
                throw ProviderKeySource.Failure.transport("the JWKS holds no usable signing key")
            }
            state.withLockedValue { $0.jwksURI = uri }
            logger.info("jwks.refresh", metadata: [
                "event": "jwks.refresh", "reason": .string(reason.rawValue),
                "keys": .array(outcome.keys.keys.sorted().map { .string($0) }),
                "skipped": .array(outcome.skipped.map { .string("\($0.keyID ?? "-"): \($0.reason)") }),
            ])
            return KeySet(keys: outcome.keys, fetchedAt: .now())
        } catch {
            if source.configuredJWKSURI == nil {
                // The discovered URI may be what changed; discover again next time.
                state.withLockedValue { $0.jwksURI = nil }
            }
            logger.warning("jwks.refresh_failed", metadata: [
                "event": "jwks.refresh_failed", "reason": .string(reason.rawValue),
                "error": .string(String(describing: error)),
            ])
            throw error
        }
    }
}
