import NIOCore

/// The keys a worker currently trusts, by `kid`, and when they were fetched.
struct KeySet: Sendable {
    var keys: [String: VerificationKey]
    var fetchedAt: NIODeadline

    static let empty = KeySet(keys: [:], fetchedAt: .uptimeNanoseconds(0))

    subscript(keyID: String) -> VerificationKey? { keys[keyID] }

    var isEmpty: Bool { keys.isEmpty }
}
