import Common
import Crypto
import CryptoExtras
import JWTKit

/// One public key from the issuer's JWKS, bound to exactly one algorithm before it is used.
///
/// Binding up front closes two jwt-kit traps: a JWK without `alg` would otherwise take its
/// algorithm from the first token presented with it, and a lookup for an unknown `kid` would
/// fall back to a default key.
struct VerificationKey: Sendable {
    var keyID: String
    var algorithm: JWSAlgorithm
    /// RFC 7638 thumbprint of the key material: what a verified token is bound to, since a
    /// `kid` is only a name anyone writing the JWKS can reuse.
    var thumbprint: String
    /// jwt-kit's verifier for this key and algorithm.
    var verifier: any JWTAlgorithm
    /// For RS256/RS384/RS512, the same key as swift-crypto's own, which `verify` checks against a
    /// digest taken in place: jwt-kit's generic path copies the input through `DataProtocol`
    /// regions and the signature into `Data` first, a tenth of an uncached validation.
    var pkcs1Key: _RSA.Signing.PublicKey?

    func verify(signature: [UInt8], signingInput: ArraySlice<UInt8>) -> Bool {
        if let pkcs1Key {
            switch algorithm {
            case .rs256: return Self.isValid(signature, signingInput, key: pkcs1Key, hash: SHA256.self)
            case .rs384: return Self.isValid(signature, signingInput, key: pkcs1Key, hash: SHA384.self)
            case .rs512: return Self.isValid(signature, signingInput, key: pkcs1Key, hash: SHA512.self)
            default: return false  // `pkcs1Key` is only ever set for the three above.
            }
        }
        return (try? verifier.verify(signature, signs: signingInput)) ?? false
    }

    private static func isValid<Hash: HashFunction>(
        _ signature: [UInt8], _ signingInput: ArraySlice<UInt8>, key: _RSA.Signing.PublicKey, hash: Hash.Type
    ) -> Bool {
        let digest = signingInput.withUnsafeBytes { Hash.hash(data: $0) }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
    }
}
