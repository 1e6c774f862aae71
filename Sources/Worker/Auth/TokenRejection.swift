/// Why a token was refused. `code` is the stable reason logged with `auth.failure`;
/// `description` is the short text a client may see in `error_description`.
enum TokenRejection: String, Error, Sendable, CaseIterable {
    case malformed
    case encrypted
    case algorithmNone = "alg_none"
    case algorithmNotAllowed = "alg_not_allowed"
    case typeNotAllowed = "typ_not_allowed"
    case criticalHeader = "crit_unsupported"
    case keyIDMissing = "kid_missing"
    case keyIDUnknown = "kid_unknown"
    case algorithmKeyMismatch = "alg_key_mismatch"
    case badSignature = "bad_signature"
    case malformedClaims = "malformed_claims"
    case issuerMismatch = "iss_mismatch"
    case audienceMismatch = "aud_mismatch"
    case expirationMissing = "exp_missing"
    case expired
    case notYetValid = "not_yet_valid"
    case issuedInFuture = "iat_future"
    case notAnAccessToken = "not_access_token"
    case clientNotAllowed = "client_not_allowed"

    var code: String { rawValue }

    var description: String {
        switch self {
        case .expired: "The access token expired"
        case .notYetValid, .issuedInFuture: "The access token is not valid yet"
        case .audienceMismatch: "The access token is not intended for this resource"
        case .issuerMismatch: "The access token was not issued by the expected authorization server"
        case .notAnAccessToken: "The token is not an access token"
        default: "The access token is invalid"
        }
    }
}
