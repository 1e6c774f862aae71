/// The payload claims validation reads (RFC 7519, RFC 9068, and Keycloak's extras).
struct TokenClaims: Sendable {
    var iss: String?
    var sub: String?
    var aud: StringOrArray?
    var exp: Double?
    var nbf: Double?
    var iat: Double?
    var jti: String?
    var azp: String?
    var client_id: String?
    var scope: String?
    var scp: StringOrArray?
    /// Keycloak's own token type: `Bearer` for access tokens, `ID`, `Refresh`, `Logout` otherwise.
    var typ: String?
    var realm_access: RealmAccess?

    struct RealmAccess: Sendable {
        var roles: [String]?
    }

    /// Deep enough for any token, shallow enough that no input can exhaust the stack.
    static let maximumDepth = 64

    init() {}

    /// The claims in a decoded payload. Refused: anything but a JSON object, a repeated member
    /// name at any depth (RFC 8725 §3.11), and a claim read here holding the wrong type (null
    /// counts as absent); other members are checked as JSON and skipped.
    init(json: [UInt8]) throws(JSONReadError) {
        self = try JSONReader.read(json, maximumDepth: Self.maximumDepth, rejectingDuplicateMembers: true) { reader throws(JSONReadError) in
            var claims = TokenClaims()
            try reader.readObject { reader, name throws(JSONReadError) in try claims.read(name, from: &reader) }
            return claims
        }
    }

    private mutating func read(_ name: JSONMemberName, from reader: inout JSONReader) throws(JSONReadError) {
        if name.matches("iss") { iss = try reader.readOptionalString() }
        else if name.matches("sub") { sub = try reader.readOptionalString() }
        else if name.matches("aud") { aud = try StringOrArray(reading: &reader) }
        else if name.matches("exp") { exp = try reader.readOptionalDouble() }
        else if name.matches("nbf") { nbf = try reader.readOptionalDouble() }
        else if name.matches("iat") { iat = try reader.readOptionalDouble() }
        else if name.matches("jti") { jti = try reader.readOptionalString() }
        else if name.matches("azp") { azp = try reader.readOptionalString() }
        else if name.matches("client_id") { client_id = try reader.readOptionalString() }
        else if name.matches("scope") { scope = try reader.readOptionalString() }
        else if name.matches("scp") { scp = try StringOrArray(reading: &reader) }
        else if name.matches("typ") { typ = try reader.readOptionalString() }
        else if name.matches("realm_access") { realm_access = try RealmAccess(reading: &reader) }
    }
}

extension TokenClaims.RealmAccess {
    /// `decodeIfPresent`: nil for null; an object whose `roles`, when present and not null, is an array of strings.
    init?(reading reader: inout JSONReader) throws(JSONReadError) {
        if try reader.readNullIfNull() { return nil }
        var roles: [String]?
        try reader.readObject { reader, name throws(JSONReadError) in
            guard name.matches("roles") else { return }
            roles = try reader.readNullIfNull() ? nil : try reader.readStrings()
        }
        self.init(roles: roles)
    }
}

/// A claim that may be a single string or an array of strings (`aud`, `scp`).
enum StringOrArray: Sendable, Equatable {
    case one(String)
    case many([String])

    /// `decodeIfPresent`: nil for null, an error for anything but a string or an array of strings.
    init?(reading reader: inout JSONReader) throws(JSONReadError) {
        switch try reader.kind() {
        case .null:
            try reader.readNull()
            return nil
        case .string: self = .one(try reader.readString())
        case .array: self = .many(try reader.readStrings())
        default: throw .unexpectedType
        }
    }

    var values: [String] {
        switch self {
        case .one(let value): [value]
        case .many(let values): values
        }
    }
}

extension JSONReader {
    /// An array whose every element is a string.
    mutating func readStrings() throws(JSONReadError) -> [String] {
        var strings: [String] = []
        try readArray { reader throws(JSONReadError) in strings.append(try reader.readString()) }
        return strings
    }
}
