/// The asymmetric JWS algorithms Gatehouse can accept. `none` and the HMAC family are
/// deliberately absent: a resource server never shares a secret with the issuer.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case ps256 = "PS256"
    case ps384 = "PS384"
    case ps512 = "PS512"
    case es256 = "ES256"
    case es384 = "ES384"
    case es512 = "ES512"
    case eddsa = "EdDSA"

    public static let defaults: [JWSAlgorithm] = [.rs256, .ps256, .es256, .eddsa]
}
