import Crypto
import Foundation

/// Raw JOSE building blocks and the classic forged tokens, for negative tests.
public enum TokenForge {
    // MARK: Encoding

    /// Unpadded base64url (RFC 7515 §2).
    public static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func base64URL(_ text: String) -> String {
        base64URL(Array(text.utf8))
    }

    /// Decodes unpadded (or padded) base64url; nil when it is not base64url.
    public static func base64URLDecode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }

    /// Compact JSON of a dictionary or array (sorted keys, `/` unescaped).
    public static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// `base64url(header).base64url(payload).base64url(signature)` from exact bytes.
    public static func compact(headerJSON: [UInt8], payloadJSON: [UInt8], signature: [UInt8]) -> String {
        base64URL(headerJSON) + "." + base64URL(payloadJSON) + "." + base64URL(signature)
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    public static func randomIdentifier() -> String {
        base64URL(randomBytes(12))
    }

    /// The decoded JSON object of a compact token's part (0 header, 1 payload).
    public static func decodedPart(_ token: String, _ index: Int) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard index < parts.count, let bytes = base64URLDecode(parts[index]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    // MARK: Forgeries

    /// An unsecured JWS (RFC 7515 §A.5): `header.payload.` with an empty signature. The header
    /// gets `alg` as given (`none`, `None`, ...) and `kid` when given.
    public static func unsecured(alg: String = "none", kid: String? = nil, typ: String? = "JWT", payload: [String: Any]) throws -> String {
        var header: [String: Any] = ["alg": alg]
        if let kid { header["kid"] = kid }
        if let typ { header["typ"] = typ }
        return base64URL(try json(header)) + "." + base64URL(try json(payload)) + "."
    }

    /// HS256 over `header.payload` with `secret` as the HMAC key.
    public static func hs256(header: [String: Any], payload: [String: Any], secret: [UInt8]) throws -> String {
        let signingInput = base64URL(try json(header)) + "." + base64URL(try json(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret))
        return signingInput + "." + base64URL(Array(mac))
    }

    /// Which encoding of the public key the key-confusion attacker uses as the HMAC secret.
    public enum PublicKeySecret: Sendable, CaseIterable {
        case pem, der
    }

    /// The algorithm-confusion attack (CVE-2015-9235 and kin): an HS256 token whose HMAC secret
    /// is the victim's *public* key, under the victim key's `kid`. A verifier that lets the token
    /// pick the algorithm would check it with the public key bytes and accept it.
    public static func keyConfusion(
        publicKeyOf key: TestSigningKey, payload: [String: Any], secret: PublicKeySecret = .pem
    ) throws -> String {
        let bytes: [UInt8]
        switch secret {
        case .pem:
            guard let pem = key.publicKeyPEM else { throw TestSigningError("\(key.kid) has no PEM") }
            bytes = Array(pem.utf8)
        case .der:
            guard let der = key.publicKeyDER else { throw TestSigningError("\(key.kid) has no DER") }
            bytes = der
        }
        return try hs256(header: ["alg": "HS256", "typ": "JWT", "kid": key.kid], payload: payload, secret: bytes)
    }

    /// The token with its payload replaced and its original header and signature kept.
    public static func replacingPayload(of token: String, with payload: [String: Any]) throws -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw TestSigningError("not a compact JWS") }
        parts[1] = base64URL(try json(payload))
        return parts.joined(separator: ".")
    }

    /// The token with its payload claims changed (`nil` values remove a claim) and its original
    /// header and signature kept.
    public static func tamperingClaims(of token: String, _ changes: [String: Any?]) throws -> String {
        guard var payload = decodedPart(token, 1) else { throw TestSigningError("payload is not a JSON object") }
        for (name, value) in changes { payload[name] = value }
        return try replacingPayload(of: token, with: payload)
    }

    /// The token with its signature replaced by `signature` (a raw part, not re-encoded).
    public static func replacingSignature(of token: String, with signature: String) throws -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw TestSigningError("not a compact JWS") }
        parts[2] = signature
        return parts.joined(separator: ".")
    }

    /// `header.payload.`: the signature stripped, the dot kept.
    public static func strippingSignature(of token: String) throws -> String {
        try replacingSignature(of: token, with: "")
    }

    /// A JWE compact serialization shape (RFC 7516 §7.1): five parts, an `RSA-OAEP`/`A256GCM`
    /// protected header, random encrypted key, IV, ciphertext and tag.
    public static func jweShaped(kid: String = "enc-key") throws -> String {
        let header = try json(["alg": "RSA-OAEP", "enc": "A256GCM", "kid": kid])
        return [base64URL(header), base64URL(randomBytes(256)), base64URL(randomBytes(12)),
                base64URL(randomBytes(64)), base64URL(randomBytes(16))].joined(separator: ".")
    }
}
