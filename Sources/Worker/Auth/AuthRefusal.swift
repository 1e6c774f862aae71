import NIOHTTP1

/// A request refused before any work: its status, its RFC 6750 challenge (or `Retry-After`)
/// and what went wrong. The headers are the same on every route; each route words the body
/// its own way (`oauthResponse` for REST, a JSON-RPC error on `/mcp`).
struct AuthRefusal: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    /// The OAuth error code (`invalid_token`, `insufficient_scope`, ...).
    var error: String
    /// The OAuth `error_description`, a sentence.
    var description: String
    /// The same cause as one line a person can act on: `Unauthorized: the access token expired`.
    var message: String
    /// Who was refused, when the token itself was fine (a missing scope).
    var principal: Principal?

    init(status: HTTPResponseStatus, headers: HTTPHeaders, error: String, description: String, message: String? = nil) {
        self.status = status
        self.headers = headers
        self.error = error
        self.description = description
        self.message = message ?? "\(status.reasonPhrase): \(description.prefix(1).lowercased())\(description.dropFirst())"
    }

    /// `{"error":…,"error_description":…}` with the challenge headers.
    var oauthResponse: HTTPResponse {
        var response = HTTPResponse.error(status, code: error, description: description, headers: headers)
        response.principal = principal
        return response
    }
}
