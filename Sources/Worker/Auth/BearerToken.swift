import NIOHTTP1

/// Where a request's bearer token came from (RFC 6750 §2.1: the header is the only place
/// this server looks).
enum BearerCredential: Equatable {
    case none
    case token(String)
    /// Present but not usable: several Authorization headers, another scheme, no token.
    case invalidRequest(String)
}

enum BearerToken {
    static func extract(from headers: HTTPHeaders) -> BearerCredential {
        let values = headers["authorization"]
        guard let value = values.first else { return .none }
        guard values.count == 1 else { return .invalidRequest("More than one Authorization header") }
        let trimmed = value.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") else {
            return trimmed.lowercased() == "bearer" ? .invalidRequest("The Bearer credential is empty") : .none
        }
        let scheme = trimmed[..<space]
        // Another scheme (Basic, DPoP, ...) is not a bearer token: treat it as no token.
        guard scheme.lowercased() == "bearer" else { return .none }
        let token = trimmed[space...].drop(while: { $0 == " " })
        guard !token.isEmpty, token.allSatisfy(Self.isToken68Character) else {
            return .invalidRequest("The Bearer credential is malformed")
        }
        return .token(String(token))
    }

    /// RFC 6750 §2.1 b64token characters.
    private static func isToken68Character(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        switch ascii {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
