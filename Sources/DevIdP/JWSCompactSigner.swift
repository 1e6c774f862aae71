/// Assembles JWS compact serializations (RFC 7515 §7.1) from header and payload as given.
///
/// jwt-kit's own `sign` builds the header itself; the IdP must be able to emit arbitrary headers
/// (extra `crit`, `jku`, another `typ`, a misleading `kid`) for negative tests, so it only borrows
/// jwt-kit's algorithm object for the signature.
enum JWSCompactSigner {
    /// The header every token gets unless the caller overrides a field.
    static func defaultHeader(for key: SigningKey) -> JSONObject {
        JSONObject([("alg", .string(key.algorithm.rawValue)), ("typ", "JWT"), ("kid", .string(key.kid))])
    }

    static func sign(header: JSONObject, payload: JSONValue, with key: SigningKey) throws -> String {
        let signingInput = Base64URL.encode(JSONValue.object(header).bytes) + "." + Base64URL.encode(payload.bytes)
        // For ES256 jwt-kit returns the raw r || s form JWS requires, not DER.
        let signature = try key.signer.sign(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }
}
