import Common
import Foundation
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
        /// Another worker stored a new document in Redis.
        case sharedUpdate = "shared_update"
    }

    struct Settings: Sendable {
        var timeToLive: TimeAmount
        var cooldown: TimeAmount
        /// How long keys stay usable while every refresh fails: the provider may have revoked
        /// one meanwhile, and without it there is no way to know.
        var maximumStaleness: TimeAmount = .hours(24)
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
        /// The Redis document's fetch time behind the current keys (Unix seconds).
        var sharedFetchedAt: Double?
        var redis = RedisStatus.disabled
        /// The last shared record refused, so each one is reported once.
        var lastRejectedRecord: String?
        /// `jwks.keys_expired` was logged for the key set in hand.
        var reportedExpiry = false
    }

    enum RedisStatus: String, Sendable {
        case disabled, ok, degraded
    }

    private let state = NIOLockedValueBox(State())
    private let source: ProviderKeySource
    private let parser: JWKSParser
    private let settings: Settings
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// Told the keys' thumbprints after every successful refresh (the token cache drops the rest).
    private let keysChanged: @Sendable (Set<String>) -> Void
    private let shared: SharedJWKSStore?
    private let metrics: CacheMetrics
    private let subscriber = NIOLockedValueBox<RedisSubscriber?>(nil)

    init(
        source: ProviderKeySource, parser: JWKSParser, settings: Settings, threadPool: NIOThreadPool = .singleton, logger: Logger,
        shared: SharedJWKSStore? = nil, metrics: CacheMetrics = CacheMetrics(),
        keysChanged: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.keysChanged = keysChanged
        self.metrics = metrics
        self.shared = shared
        if shared != nil { state.withLockedValue { $0.redis = .ok } }
        self.source = source
        self.parser = parser
        self.settings = settings
        self.threadPool = threadPool
        self.logger = logger
    }

    /// True while a key set is loaded and not older than `maximumStaleness`: the worker can
    /// validate tokens (and is ready).
    var isLoaded: Bool { state.withLockedValue { $0.loaded && !isExpired($0.keySet) } }

    /// Loaded once, but every refresh since has failed for longer than `maximumStaleness`.
    var keysExpired: Bool { state.withLockedValue { $0.loaded && isExpired($0.keySet) } }

    private func isExpired(_ keySet: KeySet) -> Bool {
        NIODeadline.now() - keySet.fetchedAt > settings.maximumStaleness
    }

    var keyCount: Int { state.withLockedValue { $0.keySet.keys.count } }

    /// How old the keys in use are (since the provider served them); nil before any loaded.
    var keySetAge: TimeAmount? {
        state.withLockedValue { $0.loaded ? NIODeadline.now() - $0.keySet.fetchedAt : nil }
    }

    /// Whether the shared tier is in use, working, or being done without.
    var redisStatus: RedisStatus { state.withLockedValue { $0.redis } }

    func key(for keyID: String) -> VerificationKey? {
        state.withLockedValue { state in isExpired(state.keySet) ? nil : state.keySet[keyID] }
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
        if let shared { subscribe(shared, on: eventLoop) }
        loadInitially(on: eventLoop, attempt: 0)
        return loaded.futureResult
    }

    /// Cancels the timers; call before the event loop shuts down.
    func stop() {
        subscriber.withLockedValue { $0?.stop() }
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
            let expiredNow: Bool = self.state.withLockedValue { state in
                state.inFlight = nil
                state.fetches += 1
                if case .success(let keySet) = result {
                    state.keySet = keySet
                    state.loaded = true
                    state.reportedExpiry = false
                    return false
                }
                state.failures += 1
                guard state.loaded, !state.reportedExpiry, self.isExpired(state.keySet) else { return false }
                state.reportedExpiry = true
                return true
            }
            if case .success(let keySet) = result { self.keysChanged(Set(keySet.keys.values.map(\.thumbprint))) }
            if expiredNow {
                self.logger.error("jwks.keys_expired", metadata: [
                    "event": "jwks.keys_expired",
                    "detail": "no key refresh has succeeded for longer than GATEHOUSE_JWKS_MAX_STALE: tokens are refused until the provider answers",
                ])
            }
        }
        return promise.futureResult
    }

    private func fetchAndParse(reason: RefreshReason, knownURI: String?) async throws -> KeySet {
        if let shared, redisStatus == .ok {
            do {
                if let keySet = try await refreshThroughRedis(shared, reason: reason, knownURI: knownURI) { return keySet }
            } catch let error as RedisError {
                redisUnavailable(error)
            }
        }
        if reason == .sharedUpdate { return state.withLockedValue { $0.keySet } }
        return try await fetchFromProvider(reason: reason, knownURI: knownURI).keySet
    }

    /// The Redis tier: use the stored document when it is fresh or newer than ours; otherwise
    /// one worker of the fleet (the lock holder) fetches and stores, the others wait for it.
    /// Nil: fetch from the provider locally after all (a lock holder that never finished).
    private func refreshThroughRedis(_ shared: SharedJWKSStore, reason: RefreshReason, knownURI: String?) async throws -> KeySet? {
        let ours = state.withLockedValue { $0.sharedFetchedAt } ?? 0
        let now = Date().timeIntervalSince1970
        let lookup = try await shared.load(now: now)
        let stored = trusted(lookup)
        (stored == nil ? metrics.redisMisses : metrics.redisHits).increment()
        let ttl = Double(settings.timeToLive.nanoseconds) / 1e9
        var claimedLock: String?
        switch reason {
        case .sharedUpdate:
            // An announcement is only a hint: a refused record changes nothing and fetches nothing.
            guard let stored, stored.fetchedAt > ours else { return state.withLockedValue { $0.keySet } }
            return try await use(stored, reason: reason)
        case .startup, .expired:
            if let stored, now - stored.fetchedAt < ttl, stored.fetchedAt > ours || reason == .startup {
                return try await use(stored, reason: reason)
            }
        case .unknownKeyID:
            if let stored, stored.fetchedAt > ours { return try await use(stored, reason: reason) }
            let cooldown = Duration.nanoseconds(settings.cooldown.nanoseconds)
            switch try await shared.claimUnknownKeyRefresh(cooldown: cooldown, lockFor: Self.lockLease) {
            case .claimed(let lock):
                claimedLock = lock
            case .taken:
                // Another worker refreshes (or did, within the fleet's cooldown): wait for its
                // document while it holds the lock, or take the one it stored since we first
                // looked; else keep what we have.
                if try await shared.isLocked(), let newer = try await waitForNewer(than: ours, in: shared) {
                    return try await use(newer, reason: reason)
                }
                if let newer = trusted(try await shared.load()), newer.fetchedAt > ours {
                    return try await use(newer, reason: reason)
                }
                return state.withLockedValue { $0.keySet }
            }
        }
        var lock = claimedLock
        if lock == nil { lock = try await shared.acquireLock(for: Self.lockLease) }
        guard let lock else {
            if let newer = try await waitForNewer(than: stored?.fetchedAt ?? ours, in: shared) {
                return try await use(newer, reason: reason)
            }
            return nil
        }
        do {
            // Also what repairs a refused record: the genuine document, signed, replaces it.
            let fetched = try await fetchFromProvider(reason: reason, knownURI: knownURI)
            let record = SharedJWKSStore.Stored(document: fetched.document, fetchedAt: Date().timeIntervalSince1970)
            try await shared.store(record)
            state.withLockedValue { $0.sharedFetchedAt = record.fetchedAt }
            await shared.releaseLock(lock)
            return fetched.keySet
        } catch {
            await shared.releaseLock(lock)
            throw error
        }
    }

    /// How long the fetch lock is held at most, should its holder never release it.
    private static let lockLease = Duration.seconds(10)

    /// The record when it is signed by the fleet; a refused one counts as missing, and is
    /// reported (`jwks.shared_record_rejected`) the first time it is seen.
    private func trusted(_ lookup: SharedJWKSStore.Lookup) -> SharedJWKSStore.Stored? {
        switch lookup {
        case .record(let stored):
            return stored
        case .missing:
            return nil
        case .rejected(let reason, let digest):
            let isNew = state.withLockedValue { state in
                defer { state.lastRejectedRecord = digest }
                return state.lastRejectedRecord != digest
            }
            if isNew {
                logger.error("jwks.shared_record_rejected", metadata: [
                    "event": "jwks.shared_record_rejected", "reason": .string(reason.rawValue), "record": .string(digest),
                ])
            }
            return nil
        }
    }

    /// Polls for a signed document newer than `fetchedAt` while another worker fetches.
    private func waitForNewer(than fetchedAt: Double, in shared: SharedJWKSStore) async throws -> SharedJWKSStore.Stored? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if let stored = trusted(try await shared.load()), stored.fetchedAt > fetchedAt { return stored }
            try await Task.sleep(for: .milliseconds(20))  // Polling Redis: the holder has no way to wake us.
        }
        return nil
    }

    private func use(_ stored: SharedJWKSStore.Stored, reason: RefreshReason) async throws -> KeySet {
        let outcome = try await parser.parse(stored.document)
        guard !outcome.keys.isEmpty else { throw ProviderKeySource.Failure.transport("the shared JWKS holds no usable signing key") }
        state.withLockedValue { $0.sharedFetchedAt = stored.fetchedAt }
        logger.info("jwks.refresh", metadata: [
            "event": "jwks.refresh", "reason": .string(reason.rawValue), "source": "redis",
            "keys": .array(outcome.keys.keys.sorted().map { .string($0) }),
        ])
        // As old as the provider fetch behind the record, not as old as this read of it.
        let age = max(0, Date().timeIntervalSince1970 - stored.fetchedAt)
        return KeySet(keys: outcome.keys, fetchedAt: .now() - .milliseconds(Int64(age * 1000)))
    }

    private func fetchFromProvider(reason: RefreshReason, knownURI: String?) async throws -> (keySet: KeySet, document: [UInt8]) {
        let source = self.source
        metrics.providerFetches.increment()
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
                "event": "jwks.refresh", "reason": .string(reason.rawValue), "source": "provider",
                "keys": .array(outcome.keys.keys.sorted().map { .string($0) }),
                "skipped": .array(outcome.skipped.map { .string("\($0.keyID ?? "-"): \($0.reason)") }),
            ])
            return (KeySet(keys: outcome.keys, fetchedAt: .now()), document)
        } catch {
            metrics.providerFetchFailures.increment()
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

    // MARK: - Redis availability

    private func subscribe(_ shared: SharedJWKSStore, on eventLoop: any EventLoop) {
        let subscriber = RedisSubscriber(
            options: shared.client.options, channels: [shared.channel], pingInterval: .seconds(2), maxBackoff: .seconds(2),
            onEvent: { event in
                switch event {
                case .unavailable(let error):
                    self.redisUnavailable(error)
                case .subscribed, .recovered:
                    self.redisRecovered()
                    // Catch up on anything published while we were away.
                    if self.isLoaded { self.refresh(reason: .sharedUpdate, on: eventLoop) }
                }
            },
            onMessage: { _, message in
                let announced = Double(String(decoding: message, as: UTF8.self)) ?? .infinity
                let ours = self.state.withLockedValue { $0.sharedFetchedAt } ?? 0
                if announced > ours { self.refresh(reason: .sharedUpdate, on: eventLoop) }
            })
        self.subscriber.withLockedValue { $0 = subscriber }
    }

    /// Logged once per transition; until recovery, every worker fetches for itself (rate-limited).
    private func redisUnavailable(_ error: RedisError) {
        let changed = state.withLockedValue { state in
            defer { state.redis = .degraded }
            return state.redis == .ok
        }
        if changed {
            logger.error("redis.unavailable", metadata: ["event": "redis.unavailable", "error": .string(error.description)])
        }
    }

    private func redisRecovered() {
        let changed = state.withLockedValue { state in
            defer { state.redis = .ok }
            return state.redis == .degraded
        }
        if changed { logger.info("redis.recovered", metadata: ["event": "redis.recovered"]) }
    }

}
