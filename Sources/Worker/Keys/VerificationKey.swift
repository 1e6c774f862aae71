import Common
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

    func verify(signature: [UInt8], signingInput: ArraySlice<UInt8>) -> Bool {
        (try? verifier.verify(signature, signs: signingInput)) ?? false
    }
}
