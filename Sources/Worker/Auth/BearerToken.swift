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
    /// Works on UTF-8 bytes: a token is ~1 KB of ASCII, and Character iteration over it was a
    /// measurable share of every request.
    static func extract(from headers: HTTPHeaders) -> BearerCredential {
        let values = headers["authorization"]
        guard let value = values.first else { return .none }
        guard values.count == 1 else { return .invalidRequest("More than one Authorization header") }
        let bytes = value.utf8.drop(while: { $0 == UInt8(ascii: " ") })
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else {
            return isBearer(bytes[...]) ? .invalidRequest("The Bearer credential is empty") : .none
        }
        // Another scheme (Basic, DPoP, ...) is not a bearer token: treat it as no token.
        guard isBearer(bytes[..<space]) else { return .none }
        let token = bytes[space...].drop(while: { $0 == UInt8(ascii: " ") })
        guard !token.isEmpty, allToken68Bytes(token) else {
            return .invalidRequest("The Bearer credential is malformed")
        }
        return .token(String(decoding: token, as: UTF8.self))
    }

    /// The scheme name, case-insensitively.
    private static func isBearer(_ scheme: Substring.UTF8View.SubSequence) -> Bool {
        scheme.count == 6 && zip(scheme, "bearer".utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    /// A ~1 KB token is checked on every request: scan its contiguous bytes when it has them.
    private static func allToken68Bytes(_ token: Substring.UTF8View.SubSequence) -> Bool {
        token.withContiguousStorageIfAvailable { $0.allSatisfy(isToken68Byte) } ?? token.allSatisfy(isToken68Byte)
    }

    /// RFC 6750 §2.1 b64token characters.
    private static func isToken68Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
