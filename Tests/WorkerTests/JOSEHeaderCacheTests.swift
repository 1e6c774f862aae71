import Foundation
import Testing

@testable import Worker

@Suite struct JOSEHeaderCacheTests {
    final class Counter: @unchecked Sendable { var decodes = 0 }

    private func header(_ cache: JOSEHeaderCache, _ encoded: String, counter: Counter, valid: Bool = true) -> JOSEHeader? {
        cache.header(encoded: Array(encoded.utf8)[...]) {
            counter.decodes += 1
            return valid ? try? JOSEHeader(json: Array(#"{"alg":"RS256"}"#.utf8)) : nil
        }
    }

    @Test func decodesEachDistinctHeaderOnce() {
        let cache = JOSEHeaderCache()
        let counter = Counter()
        for _ in 0..<5 {
            #expect(header(cache, "eyJhbGciOiJSUzI1NiJ9", counter: counter) != nil)
            #expect(header(cache, "eyJhbGciOiJFUzI1NiJ9", counter: counter) != nil)
        }
        #expect(counter.decodes == 2)
    }

    @Test func malformedHeadersAreNeverCached() {
        let cache = JOSEHeaderCache()
        let counter = Counter()
        for _ in 0..<3 { #expect(header(cache, "not-json", counter: counter, valid: false) == nil) }
        #expect(counter.decodes == 3)
    }

    @Test func staysBoundedUnderAFloodOfDistinctHeaders() {
        let cache = JOSEHeaderCache()
        let counter = Counter()
        for index in 0..<(JOSEHeaderCache.capacity * 10) { _ = header(cache, "header-\(index)", counter: counter) }
        #expect(cache.count <= JOSEHeaderCache.capacity)
        // Still a cache after the flood.
        _ = header(cache, "eyJhbGciOiJSUzI1NiJ9", counter: counter)
        let before = counter.decodes
        _ = header(cache, "eyJhbGciOiJSUzI1NiJ9", counter: counter)
        #expect(counter.decodes == before)
    }
}
