import NIOConcurrencyHelpers

/// Decoded JOSE headers by their encoded form. Every token one key signs carries the same header
/// (`alg`, `typ`, `kid`), so it is decoded once per key rather than once per token: decoding it
/// was a fifth of an uncached validation. Bounded; a flood of distinct headers only empties it,
/// and each of those costs the decode it costs without a cache.
final class JOSEHeaderCache: Sendable {
    static let capacity = 32
    /// A short list, not a dictionary: an issuer has a handful of keys, and comparing the bytes
    /// costs less than hashing them and copying them into a key for every lookup.
    private let entries = NIOLockedValueBox<[(encoded: [UInt8], header: JOSEHeader)]>([])

    var count: Int { entries.withLockedValue(\.count) }

    func header(encoded: ArraySlice<UInt8>, decode: () -> JOSEHeader?) -> JOSEHeader? {
        let cached = entries.withLockedValue { entries in
            entries.first { Self.equal($0.encoded, encoded) }?.header
        }
        if let cached { return cached }
        guard let header = decode() else { return nil }
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries.append((Array(encoded), header))
        }
        return header
    }

    private static func equal(_ stored: [UInt8], _ encoded: ArraySlice<UInt8>) -> Bool {
        guard stored.count == encoded.count else { return false }
        return stored.withUnsafeBytes { left in
            encoded.withUnsafeBytes { right in left.elementsEqual(right) }
        }
    }
}
