import Foundation

/// Defence in depth: code never logs a token on purpose, but if a JWT-shaped string reaches a
/// log line anyway (an echoed header, a library's error text) it is replaced before writing.
public enum SecretRedactor {
    public static let replacement = "[redacted]"

    public static func redact(_ text: String) -> String {
        // Every JWS/JWE starts with a base64url JSON header: `{"` encodes to `eyJ`.
        guard text.utf8.count >= 3, text.contains("eyJ") else { return text }
        var result = ""
        var remainder = Substring(text)
        while let start = remainder.range(of: "eyJ") {
            result += remainder[..<start.lowerBound]
            let tail = remainder[start.lowerBound...]
            let tokenEnd = tail.firstIndex(where: { !isTokenCharacter($0) }) ?? tail.endIndex
            let candidate = tail[..<tokenEnd]
            if candidate.contains(".") {
                result += replacement
            } else {
                result += candidate
            }
            remainder = tail[tokenEnd...]
        }
        return result + remainder
    }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_" || character == ".")
    }
}
