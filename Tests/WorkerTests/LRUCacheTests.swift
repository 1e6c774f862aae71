import Prometheus
import Testing

@testable import Worker

@Suite struct LRUCacheTests {
    @Test func evictsTheLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.get("a") == 1)  // "b" is now the oldest.
        cache.set("c", 3)
        #expect(cache.get("b") == nil)
        #expect(cache.get("a") == 1)
        #expect(cache.get("c") == 3)
        #expect(cache.count == 2)
    }

    @Test func behavesLikeAReferenceModel() {
        // Random operations against a plain array model of recency.
        var cache = LRUCache<Int, Int>(capacity: 8)
        var model: [(key: Int, value: Int)] = []  // Oldest first.
        var generator = SystemRandomNumberGenerator()
        for step in 0..<5000 {
            let key = Int.random(in: 0..<20, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0, 1:
                cache.set(key, step)
                model.removeAll { $0.key == key }
                model.append((key, step))
                if model.count > 8 { model.removeFirst() }
            case 2:
                let expected = model.first { $0.key == key }?.value
                #expect(cache.get(key) == expected)
                if let index = model.firstIndex(where: { $0.key == key }) { model.append(model.remove(at: index)) }
            default:
                cache.remove(key)
                model.removeAll { $0.key == key }
            }
            #expect(cache.count == model.count)
        }
        cache.removeAll { key, _ in key % 2 == 0 }
        model.removeAll { $0.key % 2 == 0 }
        #expect(cache.count == model.count)
        for entry in model { #expect(cache.get(entry.key) == entry.value) }
    }
}

@Suite struct VerifiedTokenCacheTests {
    func token(kid: String, expiresIn seconds: Double, now: Double) -> AccessToken {
        AccessToken(subject: "s", clientID: "c", scopes: ["mcp:read"], expiresAt: now + seconds, keyID: kid, tokenID: nil,
                    keyThumbprint: "thumbprint-of-\(kid)")
    }

    @Test func servesUntilTheTokenExpires() {
        let cache = VerifiedTokenCache(capacity: 10, maximumAge: .seconds(300))
        let now = 1_000_000.0
        cache.store("token-a", as: token(kid: "k1", expiresIn: 30, now: now))
        #expect(cache.lookup("token-a", now: now + 29)?.keyID == "k1")
        #expect(cache.lookup("token-a", now: now + 30) == nil)
        #expect(cache.lookup("token-b", now: now) == nil)
        #expect(cache.statistics.hits == 1)
    }

    @Test func neverLongerThanTheMaximumAge() async throws {
        let cache = VerifiedTokenCache(capacity: 10, maximumAge: .milliseconds(50))
        let now = 1_000_000.0
        cache.store("token-a", as: token(kid: "k1", expiresIn: 3600, now: now))
        #expect(cache.lookup("token-a", now: now) != nil)
        try await Task.sleep(for: .milliseconds(60))  // The age limit is the thing under test.
        #expect(cache.lookup("token-a", now: now) == nil)
    }

    @Test func entriesOfRemovedKeysAreDropped() {
        let cache = VerifiedTokenCache(capacity: 10, maximumAge: .seconds(300))
        let now = 1_000_000.0
        cache.store("token-a", as: token(kid: "old", expiresIn: 60, now: now))
        cache.store("token-b", as: token(kid: "new", expiresIn: 60, now: now))
        cache.retainOnly(thumbprints: ["thumbprint-of-new"])
        #expect(cache.lookup("token-a", now: now) == nil)
        #expect(cache.lookup("token-b", now: now) != nil)
    }

    /// A `kid` is a name; the binding is to the key. Another key under the same `kid` (an
    /// impostor planted, or the genuine one restored after it) drops what the other verified.
    @Test func anotherKeyUnderTheSameKeyIDDropsTheEntries() {
        let cache = VerifiedTokenCache(capacity: 10, maximumAge: .seconds(300))
        let now = 1_000_000.0
        var impostor = token(kid: "k1", expiresIn: 60, now: now)
        impostor.keyThumbprint = "impostor"
        cache.store("forged", as: impostor)
        cache.store("genuine", as: token(kid: "k1", expiresIn: 60, now: now))
        cache.retainOnly(thumbprints: ["thumbprint-of-k1"])
        #expect(cache.lookup("forged", now: now) == nil)
        #expect(cache.lookup("genuine", now: now) != nil)
    }
}

@Suite struct CacheMetricsTests {
    @Test func tokenCacheHitsAndMissesAreCounted() throws {
        let registry = PrometheusCollectorRegistry()
        let cache = VerifiedTokenCache(capacity: 4, maximumAge: .seconds(60), metrics: CacheMetrics(registry: registry))
        let now = 1_000_000.0
        _ = cache.lookup("t", now: now)
        cache.store("t", as: AccessToken(subject: nil, clientID: nil, scopes: [], expiresAt: now + 60, keyID: "k", tokenID: nil))
        _ = cache.lookup("t", now: now)
        _ = cache.lookup("t", now: now)
        let text = registry.emitToString()
        #expect(text.contains("gatehouse_token_cache_hits_total 2\n"))
        #expect(text.contains("gatehouse_token_cache_misses_total 1\n"))
        #expect(text.contains("# HELP gatehouse_token_cache_hits_total "))
    }
}
