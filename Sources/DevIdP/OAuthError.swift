import NIOHTTP1

/// A token endpoint error response (RFC 6749 §5.2), in the shape Keycloak sends.
struct OAuthError: Error, Sendable {
    let status: HTTPResponseStatus
    let code: String
    let description: String
    var headers: HTTPHeaders = [:]

    static func invalidRequest(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, code: "invalid_request", description: description)
    }

    /// 401; RFC 6749 asks for a Basic challenge when the client tried Basic authentication.
    static func invalidClient(_ description: String, basicChallengeRealm: String?) -> OAuthError {
        var error = OAuthError(status: .unauthorized, code: "invalid_client", description: description)
        if let realm = basicChallengeRealm {
            error.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"\(realm)\"")
        }
        return error
    }

    static func unsupportedGrantType(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, code: "unsupported_grant_type", description: description)
    }

    static func invalidGrant(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, code: "invalid_grant", description: description)
    }

    static func invalidScope(_ description: String) -> OAuthError {
        OAuthError(status: .badRequest, code: "invalid_scope", description: description)
    }

    var httpResult: HTTPResult {
        var headers = self.headers
        // Token endpoint responses must not be cached, errors included (RFC 6749 §5.1).
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Pragma", value: "no-cache")
        return .json(["error": .string(code), "error_description": .string(description)], status: status, headers: headers)
    }
}
