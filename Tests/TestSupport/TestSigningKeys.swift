import Crypto
import _CryptoExtras
import Foundation
import JWTKit

/// The JWS algorithms the in-process test keys sign with.
public enum TestSigningAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
    case eddsa = "EdDSA"
}

/// One in-process signing key: its `kid`, jwt-kit's algorithm object holding the private key,
/// and the public half as JWK members and (RSA, EC) PEM / DER.
///
/// `sign` assembles the JWS compact serialization from whatever header and payload it is given,
/// so tests can produce any header (a wrong `alg`, a foreign `kid`, `crit`, `jku`, ...) with a
/// genuine signature.
public struct TestSigningKey: Sendable {
    public let kid: String
    public let algorithm: TestSigningAlgorithm
    /// jwt-kit's signer for this key and algorithm (RS256 / PS256 / ES256 / EdDSA).
    public let signer: any JWTAlgorithm
    /// The public key's SubjectPublicKeyInfo PEM (RSA and EC; nil for Ed25519).
    public let publicKeyPEM: String?
    /// The public key's SubjectPublicKeyInfo DER (RSA and EC; nil for Ed25519).
    public let publicKeyDER: [UInt8]?
    /// `kty` and the key's public members: `n`/`e` (RSA), `crv`/`x`/`y` (EC), `crv`/`x` (OKP).
    public let publicKeyMembers: [String: String]
    /// The RSA private key, for tests that sign with another digest or padding; nil for other keys.
    public let rsaPrivateKey: _RSA.Signing.PrivateKey?

    private init(
        kid: String, algorithm: TestSigningAlgorithm, signer: any JWTAlgorithm, publicKeyPEM: String?,
        publicKeyDER: [UInt8]?, publicKeyMembers: [String: String], rsaPrivateKey: _RSA.Signing.PrivateKey?
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.signer = signer
        self.publicKeyPEM = publicKeyPEM
        self.publicKeyDER = publicKeyDER
        self.publicKeyMembers = publicKeyMembers
        self.rsaPrivateKey = rsaPrivateKey
    }

    /// A fresh key for `algorithm` (RSA-2048 for RS256 / PS256, P-256, Ed25519).
    public static func generate(_ algorithm: TestSigningAlgorithm, kid: String? = nil) async throws -> TestSigningKey {
        let kid = kid ?? "test-\(algorithm.rawValue.lowercased())-\(TokenForge.randomIdentifier())"
        switch algorithm {
        case .rs256, .ps256:
            return try await rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048), algorithm: algorithm, kid: kid)
        case .es256:
            let privateKey = P256.Signing.PrivateKey()
            let collection = JWTKeyCollection()
            let identifier = JWKIdentifier(string: kid)
            await collection.add(ecdsa: try ES256PrivateKey(backing: privateKey), kid: identifier)
            let signer = try await collection.getKey(for: identifier, alg: algorithm.rawValue)
            // x963 is 0x04 || x || y, 32 bytes each for P-256.
            let point = Array(privateKey.publicKey.x963Representation)
            return TestSigningKey(
                kid: kid, algorithm: algorithm, signer: signer,
                publicKeyPEM: privateKey.publicKey.pemRepresentation,
                publicKeyDER: Array(privateKey.publicKey.derRepresentation),
                publicKeyMembers: [
                    "kty": "EC", "crv": "P-256",
                    "x": TokenForge.base64URL(point[1..<33]), "y": TokenForge.base64URL(point[33..<65]),
                ],
                rsaPrivateKey: nil)
        case .eddsa:
            let privateKey = Curve25519.Signing.PrivateKey()
            let collection = JWTKeyCollection()
            let identifier = JWKIdentifier(string: kid)
            await collection.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: identifier)
            let signer = try await collection.getKey(for: identifier, alg: algorithm.rawValue)
            return TestSigningKey(
                kid: kid, algorithm: algorithm, signer: signer, publicKeyPEM: nil, publicKeyDER: nil,
                publicKeyMembers: [
                    "kty": "OKP", "crv": "Ed25519", "x": TokenForge.base64URL(privateKey.publicKey.rawRepresentation),
                ],
                rsaPrivateKey: nil)
        }
    }

    /// Wraps an existing RSA private key, signing with PKCS#1 v1.5 (RS256) or PSS (PS256).
    public static func rsa(
        _ privateKey: _RSA.Signing.PrivateKey, algorithm: TestSigningAlgorithm, kid: String
    ) async throws -> TestSigningKey {
        let collection = JWTKeyCollection()
        let identifier = JWKIdentifier(string: kid)
        let wrapped = try JWTKit.Insecure.RSA.PrivateKey(backing: privateKey)
        switch algorithm {
        case .rs256: await collection.add(rsa: wrapped, digestAlgorithm: .sha256, kid: identifier)
        case .ps256: await collection.add(pss: wrapped, digestAlgorithm: .sha256, kid: identifier)
        case .es256, .eddsa: throw TestSigningError("\(algorithm.rawValue) is not an RSA algorithm")
        }
        let signer = try await collection.getKey(for: identifier, alg: algorithm.rawValue)
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        return TestSigningKey(
            kid: kid, algorithm: algorithm, signer: signer,
            publicKeyPEM: privateKey.publicKey.pemRepresentation,
            publicKeyDER: Array(privateKey.publicKey.derRepresentation),
            publicKeyMembers: [
                "kty": "RSA", "n": TokenForge.base64URL(primitives.modulus),
                "e": TokenForge.base64URL(primitives.publicExponent),
            ],
            rsaPrivateKey: privateKey)
    }

    /// The same RSA key material and `kid`, signing with another RSA algorithm (e.g. a PS256
    /// signature made with the key the JWKS binds to RS256).
    public func resigning(as algorithm: TestSigningAlgorithm, kid: String? = nil) async throws -> TestSigningKey {
        guard let rsaPrivateKey else { throw TestSigningError("only RSA keys can change algorithm") }
        return try await Self.rsa(rsaPrivateKey, algorithm: algorithm, kid: kid ?? self.kid)
    }

    /// The public JWK: key members plus `kid`, `alg` (unless `includeAlgorithm` is false) and
    /// `use` (unless nil). `extra` members are added last and win.
    public func publicJWK(includeAlgorithm: Bool = true, use: String? = "sig", extra: [String: Any] = [:]) -> [String: Any] {
        var jwk: [String: Any] = publicKeyMembers
        jwk["kid"] = kid
        if includeAlgorithm { jwk["alg"] = algorithm.rawValue }
        if let use { jwk["use"] = use }
        for (name, value) in extra { jwk[name] = value }
        return jwk
    }

    /// An `RSA-OAEP` / `use: enc` JWK over this RSA key's public members, as Keycloak publishes
    /// next to its signing keys. Nil for non-RSA keys.
    public func encryptionJWK(kid: String? = nil) -> [String: Any]? {
        guard publicKeyMembers["kty"] == "RSA" else { return nil }
        var jwk: [String: Any] = publicKeyMembers
        jwk["kid"] = kid ?? "\(self.kid)-enc"
        jwk["alg"] = "RSA-OAEP"
        jwk["use"] = "enc"
        return jwk
    }

    /// `{"alg": <algorithm>, "typ": "JWT", "kid": <kid>}`, with `extra` members set (an
    /// `NSNull()` value is written as JSON null) and `removing` members dropped.
    public func header(_ extra: [String: Any] = [:], removing: Set<String> = []) -> [String: Any] {
        var header: [String: Any] = ["alg": algorithm.rawValue, "typ": "JWT", "kid": kid]
        for (name, value) in extra { header[name] = value }
        for name in removing { header[name] = nil }
        return header
    }

    /// Signs `payload` under `header` (default: `header()`), whatever they contain.
    public func sign(payload: [String: Any], header: [String: Any]? = nil) throws -> String {
        try sign(headerJSON: try TokenForge.json(header ?? self.header()), payloadJSON: try TokenForge.json(payload))
    }

    /// Signs exact header and payload bytes (for JSON that a dictionary cannot express).
    public func sign(headerJSON: [UInt8], payloadJSON: [UInt8]) throws -> String {
        let signingInput = TokenForge.base64URL(headerJSON) + "." + TokenForge.base64URL(payloadJSON)
        // For ES256 jwt-kit returns the raw r || s form JWS requires, not DER.
        let signature = try signer.sign(Array(signingInput.utf8))
        return signingInput + "." + TokenForge.base64URL(signature)
    }
}

/// The test key set: one key per algorithm the server accepts by default, plus an attacker's
/// RSA key that the JWKS never lists.
public struct TestSigningKeys: Sendable {
    public let rs256: TestSigningKey
    public let ps256: TestSigningKey
    public let es256: TestSigningKey
    public let eddsa: TestSigningKey
    /// Not in `jwks()`: signs with a `kid` of its own or with ours, to forge.
    public let attacker: TestSigningKey

    public init(rs256: TestSigningKey, ps256: TestSigningKey, es256: TestSigningKey, eddsa: TestSigningKey, attacker: TestSigningKey) {
        self.rs256 = rs256
        self.ps256 = ps256
        self.es256 = es256
        self.eddsa = eddsa
        self.attacker = attacker
    }

    /// The keys `jwks()` publishes.
    public var published: [TestSigningKey] { [rs256, ps256, es256, eddsa] }

    public func key(for algorithm: TestSigningAlgorithm) -> TestSigningKey {
        switch algorithm {
        case .rs256: rs256
        case .ps256: ps256
        case .es256: es256
        case .eddsa: eddsa
        }
    }

    /// Fresh keys with kids `rs256-key`, `ps256-key`, `es256-key`, `eddsa-key`, `attacker-key`.
    public static func generate() async throws -> TestSigningKeys {
        async let rs256 = TestSigningKey.generate(.rs256, kid: "rs256-key")
        async let ps256 = TestSigningKey.generate(.ps256, kid: "ps256-key")
        async let es256 = TestSigningKey.generate(.es256, kid: "es256-key")
        async let eddsa = TestSigningKey.generate(.eddsa, kid: "eddsa-key")
        async let attacker = TestSigningKey.generate(.rs256, kid: "attacker-key")
        return try await TestSigningKeys(rs256: rs256, ps256: ps256, es256: es256, eddsa: eddsa, attacker: attacker)
    }

    /// One key set generated once per test process (RSA generation is slow) and shared.
    public static func shared() async throws -> TestSigningKeys {
        try await sharedTestSigningKeys.value
    }

    /// The JWKS document of `published` (or `keys`): `use: sig` entries with `alg` unless
    /// `includeAlgorithm` is false, followed by an `RSA-OAEP` `use: enc` entry per RSA key when
    /// `includeEncryptionKeys`, then `extraEntries` as given.
    public func jwks(
        _ keys: [TestSigningKey]? = nil, includeAlgorithm: Bool = true, includeEncryptionKeys: Bool = false,
        extraEntries: [Any] = []
    ) throws -> [UInt8] {
        try Self.jwks(keys ?? published, includeAlgorithm: includeAlgorithm,
                      includeEncryptionKeys: includeEncryptionKeys, extraEntries: extraEntries)
    }

    public static func jwks(
        _ keys: [TestSigningKey], includeAlgorithm: Bool = true, includeEncryptionKeys: Bool = false,
        extraEntries: [Any] = []
    ) throws -> [UInt8] {
        var entries: [Any] = keys.map { $0.publicJWK(includeAlgorithm: includeAlgorithm) }
        if includeEncryptionKeys { entries += keys.compactMap { $0.encryptionJWK() } }
        entries += extraEntries
        return try jwks(entries: entries)
    }

    /// `{"keys": entries}` exactly.
    public static func jwks(entries: [Any]) throws -> [UInt8] {
        try TokenForge.json(["keys": entries])
    }
}

private let sharedTestSigningKeys = Task { try await TestSigningKeys.generate() }

public struct TestSigningError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
