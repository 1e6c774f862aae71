/// The realm's keys: one active RS256 and one active ES256 key, passive keys kept after a
/// rotation (as Keycloak keeps them, so tokens already issued still verify), and the encryption key.
final class SigningKeyRing: Sendable {
    private struct Contents: Sendable {
        /// Newest first, so the JWKS lists active keys before passive ones.
        var signingKeys: [SigningKey]
        var active: [SigningAlgorithm: String]
        let encryptionJWK: JSONObject
    }

    private let contents: Locked<Contents>

    private init(contents: Contents) {
        self.contents = Locked(contents)
    }

    static func generate() async throws -> SigningKeyRing {
        let rsa = try await SigningKey.generate(.rs256)
        let ec = try await SigningKey.generate(.es256)
        return SigningKeyRing(contents: Contents(
            signingKeys: [rsa, ec],
            active: [.rs256: rsa.kid, .es256: ec.kid],
            encryptionJWK: try SigningKey.generateEncryptionJWK()
        ))
    }

    func activeKey(_ algorithm: SigningAlgorithm) -> SigningKey {
        contents.withLock { contents in
            contents.signingKeys.first { $0.kid == contents.active[algorithm] }!
        }
    }

    /// `rs256` / `es256` name the active key of that algorithm; anything else is a kid
    /// (active or passive). The encryption key is never a signing key.
    func key(named name: String) -> SigningKey? {
        if let algorithm = SigningAlgorithm(rawValue: name.uppercased()) {
            return activeKey(algorithm)
        }
        return contents.withLock { contents in contents.signingKeys.first { $0.kid == name } }
    }

    var activeKids: [SigningAlgorithm: String] {
        contents.withLock { $0.active }
    }

    var signingKids: [String] {
        contents.withLock { $0.signingKeys.map(\.kid) }
    }

    var encryptionKid: String {
        contents.withLock { $0.encryptionJWK["kid"]?.stringValue ?? "" }
    }

    /// New active keys for both algorithms; the previous ones stay published as passive keys.
    func rotate() async throws -> [SigningAlgorithm: String] {
        // RSA generation is slow; do it before taking the lock.
        let rsa = try await SigningKey.generate(.rs256)
        let ec = try await SigningKey.generate(.es256)
        return contents.withLock { contents in
            contents.signingKeys.insert(contentsOf: [rsa, ec], at: 0)
            contents.active = [.rs256: rsa.kid, .es256: ec.kid]
            return contents.active
        }
    }

    /// Drops every passive signing key from the JWKS; returns the kids removed.
    func retirePassiveKeys() -> [String] {
        contents.withLock { contents in
            let active = Set(contents.active.values)
            let retired = contents.signingKeys.filter { !active.contains($0.kid) }.map(\.kid)
            contents.signingKeys.removeAll { !active.contains($0.kid) }
            return retired
        }
    }

    /// The JWKS document as served at the certs endpoint.
    var jwks: JSONValue {
        contents.withLock { contents in
            let keys = contents.signingKeys.map { JSONValue.object($0.publicJWK) } + [.object(contents.encryptionJWK)]
            return ["keys": .array(keys)]
        }
    }
}
