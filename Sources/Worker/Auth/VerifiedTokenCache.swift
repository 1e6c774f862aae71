import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Tokens that passed full validation, so a client sending the same token again skips the
/// signature check and JSON decoding.
///
/// Keyed by the SHA-256 of the token (the token itself is never kept). An entry is used only
/// until the token's `exp` and never longer than `maximumAge`, and entries whose key has
/// left the JWKS are dropped when the keys change, so a revoked key stops working at once.
/// Entries are bound to the key's thumbprint, not its `kid`: a different key published under
/// the same `kid` (an impostor, or the genuine key restored after one) evicts them.
final class VerifiedTokenCache: Sendable {
    private struct Digest: Hashable, Sendable {
        var a, b, c, d: UInt64
    }

    private struct Entry: Sendable {
        var token: AccessToken
        var storedAt: NIODeadline
    }

    let maximumAge: TimeAmount
    private let entries: NIOLockedValueBox<LRUCache<Digest, Entry>>
    private let counters = NIOLockedValueBox((hits: 0, misses: 0))
    private let metrics: CacheMetrics

    init(capacity: Int, maximumAge: TimeAmount, metrics: CacheMetrics = CacheMetrics()) {
        self.maximumAge = maximumAge
        self.metrics = metrics
        self.entries = NIOLockedValueBox(LRUCache(capacity: max(1, capacity)))
    }

    /// The cached result for `token` if it is still usable at `now` (Unix seconds).
    func lookup(_ token: String, now: Double) -> AccessToken? {
        let key = Self.digest(token)
        let found: AccessToken? = entries.withLockedValue { cache in
            guard let entry = cache.get(key) else { return nil }
            guard now < entry.token.expiresAt, NIODeadline.now() - entry.storedAt < maximumAge else {
                cache.remove(key)
                return nil
            }
            return entry.token
        }
        counters.withLockedValue { found == nil ? ($0.misses += 1) : ($0.hits += 1) }
        (found == nil ? metrics.tokenCacheMisses : metrics.tokenCacheHits).increment()
        return found
    }

    func store(_ token: String, as accessToken: AccessToken) {
        let key = Self.digest(token)
        entries.withLockedValue { $0.set(key, Entry(token: accessToken, storedAt: .now())) }
    }

    /// Drops entries verified with keys that are no longer in the key set (by thumbprint).
    func retainOnly(thumbprints: Set<String>) {
        entries.withLockedValue { cache in
            cache.removeAll { _, entry in !thumbprints.contains(entry.token.keyThumbprint) }
        }
    }

    func remove(_ token: String) {
        let key = Self.digest(token)
        entries.withLockedValue { $0.remove(key) }
    }

    var count: Int { entries.withLockedValue { $0.count } }
    var statistics: (hits: Int, misses: Int) { counters.withLockedValue { $0 } }

    private static func digest(_ token: String) -> Digest {
        var token = token
        // Native strings hand out their UTF-8 in place: no copy into an array on every request.
        let hash = token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return hash.withUnsafeBytes { raw in
            Digest(
                a: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                b: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                c: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                d: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }
}
