import Crypto
import _CryptoExtras
import JWTKit

/// The JWS algorithms the IdP signs with (Keycloak's default RS256 and its ES256 provider).
enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// One signing key pair: its kid, the jwt-kit signer holding the private key, and its public JWK.
struct SigningKey: Sendable {
    let kid: String
    let algorithm: SigningAlgorithm
    /// jwt-kit's algorithm object; it does the RSA / ECDSA math (we only assemble the JWS).
    let signer: any JWTAlgorithm
    let publicJWK: JSONObject

    /// Generates a fresh key with swift-crypto and wraps it in jwt-kit.
    static func generate(_ algorithm: SigningAlgorithm) async throws -> SigningKey {
        let kid = Base64URL.randomIdentifier()
        let identifier = JWKIdentifier(string: kid)
        // jwt-kit's concrete signers are internal; the key collection is the public way to get one.
        let collection = JWTKeyCollection()
        let jwk: JSONObject
        switch algorithm {
        case .rs256:
            let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let primitives = try privateKey.publicKey.getKeyPrimitives()
            await collection.add(rsa: try JWTKit.Insecure.RSA.PrivateKey(backing: privateKey), digestAlgorithm: .sha256, kid: identifier)
            jwk = JSONObject([
                ("kid", .string(kid)), ("kty", "RSA"), ("alg", "RS256"), ("use", "sig"),
                ("n", .string(Base64URL.encode(primitives.modulus))),
                ("e", .string(Base64URL.encode(primitives.publicExponent))),
            ])
        case .es256:
            let privateKey = P256.Signing.PrivateKey()
            // x963 is 0x04 || x || y, 32 bytes each for P-256.
            let point = Array(privateKey.publicKey.x963Representation)
            await collection.add(ecdsa: try ES256PrivateKey(backing: privateKey), kid: identifier)
            jwk = JSONObject([
                ("kid", .string(kid)), ("kty", "EC"), ("alg", "ES256"), ("use", "sig"), ("crv", "P-256"),
                ("x", .string(Base64URL.encode(point[1..<33]))),
                ("y", .string(Base64URL.encode(point[33..<65]))),
            ])
        }
        let signer = try await collection.getKey(for: identifier, alg: algorithm.rawValue)
        return SigningKey(kid: kid, algorithm: algorithm, signer: signer, publicJWK: jwk)
    }

    /// Keycloak's realms also publish an RSA-OAEP encryption key; clients must ignore it for
    /// signature checks, which is exactly what tests want to see. Only the public half is kept.
    static func generateEncryptionJWK() throws -> JSONObject {
        let privateKey = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        return JSONObject([
            ("kid", .string(Base64URL.randomIdentifier())), ("kty", "RSA"), ("alg", "RSA-OAEP"), ("use", "enc"),
            ("n", .string(Base64URL.encode(primitives.modulus))),
            ("e", .string(Base64URL.encode(primitives.publicExponent))),
        ])
    }
}
