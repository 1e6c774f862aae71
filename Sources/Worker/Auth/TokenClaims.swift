/// The payload claims validation reads (RFC 7519, RFC 9068, and Keycloak's extras).
struct TokenClaims: Decodable, Sendable {
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

    struct RealmAccess: Decodable, Sendable {
        var roles: [String]?
    }
}

/// A claim that may be a single string or an array of strings (`aud`, `scp`).
enum StringOrArray: Decodable, Sendable, Equatable {
    case one(String)
    case many([String])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            self = .one(single)
        } else {
            self = .many(try container.decode([String].self))
        }
    }

    var values: [String] {
        switch self {
        case .one(let value): [value]
        case .many(let values): values
        }
    }
}
