import Foundation

/// base64url without padding (RFC 7515 §2), the encoding of every JWS part and JWK parameter.
enum Base64URL {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-")
        text = text.replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func encode(_ string: String) -> String {
        encode(Array(string.utf8))
    }

    /// Random url-safe identifier; 32 bytes give the 43 characters Keycloak's key ids have.
    static func randomIdentifier(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
