import Foundation

/// Where clients get tokens: the issuer's `token_endpoint` and `authorization_endpoint`, from
/// its discovery document when known, else Keycloak's layout under the issuer.
struct AuthorizationServerEndpoints: Sendable, Equatable {
    var tokenURL: String
    var authorizationURL: String

    /// Keycloak's paths: what the shipped deployment uses, until discovery says otherwise.
    static func fallback(issuer: String) -> AuthorizationServerEndpoints {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return AuthorizationServerEndpoints(
            tokenURL: base + "/protocol/openid-connect/token", authorizationURL: base + "/protocol/openid-connect/auth")
    }

    /// The discovery document's endpoints; each one missing or not http(s) keeps its fallback.
    static func discovered(
        tokenEndpoint: String?, authorizationEndpoint: String?, issuer: String, allowInsecureHTTP: Bool
    ) -> AuthorizationServerEndpoints {
        func usable(_ url: String?) -> String? {
            guard let url, let scheme = URLComponents(string: url)?.scheme?.lowercased() else { return nil }
            return scheme == "https" || (scheme == "http" && allowInsecureHTTP) ? url : nil
        }
        let fallback = fallback(issuer: issuer)
        return AuthorizationServerEndpoints(
            tokenURL: usable(tokenEndpoint) ?? fallback.tokenURL,
            authorizationURL: usable(authorizationEndpoint) ?? fallback.authorizationURL)
    }
}
