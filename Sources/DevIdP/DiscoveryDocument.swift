/// The realm's OpenID Provider metadata (OpenID Connect Discovery 1.0 / RFC 8414), trimmed to
/// what MCP clients and Gatehouse read.
enum DiscoveryDocument {
    static let standardScopes = ["openid", "profile", "email", "mcp:read", "mcp:write", "mcp:infer"]

    /// `extraScopes`: scopes configured for clients beyond the standard ones, so they are advertised too.
    static func json(issuer: String, extraScopes: [String] = []) -> JSONValue {
        var scopes = standardScopes
        for scope in extraScopes where !scopes.contains(scope) {
            scopes.append(scope)
        }
        return [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(RealmEndpoint.authorization.url(issuer: issuer)),
            "token_endpoint": .string(RealmEndpoint.token.url(issuer: issuer)),
            "jwks_uri": .string(RealmEndpoint.certs.url(issuer: issuer)),
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
            "scopes_supported": .strings(scopes),
            "code_challenge_methods_supported": ["S256"],
        ]
    }
}
