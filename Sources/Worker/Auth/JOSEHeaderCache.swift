import NIOConcurrencyHelpers

/// Decoded JOSE headers by their encoded form. Every token one key signs carries the same header
/// (`alg`, `typ`, `kid`), so it is decoded once per key rather than once per token: decoding it
/// was a fifth of an uncached validation. Bounded; a flood of distinct headers only empties it,
/// and each of those costs the decode it costs without a cache.
final class JOSEHeaderCache: Sendable {
    static let capacity = 32
    private let entries = NIOLockedValueBox<[[UInt8]: JOSEHeader]>([:])

    var count: Int { entries.withLockedValue(\.count) }

    func header(encoded: ArraySlice<UInt8>, decode: () -> JOSEHeader?) -> JOSEHeader? {
        let key = Array(encoded)
        if let cached = entries.withLockedValue({ $0[key] }) { return cached }
        guard let header = decode() else { return nil }
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = header
        }
        return header
    }
}
