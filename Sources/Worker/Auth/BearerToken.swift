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

    /// A ~1 KB token is checked on every request: one table lookup per byte over its
    /// contiguous bytes, no branch per character class.
    private static func allToken68Bytes(_ token: Substring.UTF8View.SubSequence) -> Bool {
        token68Table.withUnsafeBufferPointer { table in
            token.withContiguousStorageIfAvailable { bytes in
                var all: UInt8 = 1
                for byte in bytes { all &= table[Int(byte)] }
                return all == 1
            } ?? token.allSatisfy { table[Int($0)] == 1 }
        }
    }

    /// 1 for the RFC 6750 §2.1 b64token characters, 0 for every other byte.
    private static let token68Table: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            1
        default:
            0
        }
    }
}
