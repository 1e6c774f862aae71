import NIOHTTP1

/// RFC 6750 §3 `WWW-Authenticate` challenges, each pointing at the RFC 9728 metadata.
struct AuthChallenge: Sendable {
    var resourceMetadataURL: String

    /// No credentials: no `error`, just where to find the authorization server and what to ask for.
    func missingToken(scopes: [String]) -> HTTPResponse {
        respond(.unauthorized, params: [("scope", scopes.joined(separator: " "))],
                code: "unauthorized", description: "An access token is required")
    }

    func invalidToken(_ rejection: TokenRejection) -> HTTPResponse {
        respond(.unauthorized, params: [("error", "invalid_token"), ("error_description", rejection.description)],
                code: "invalid_token", description: rejection.description)
    }

    func invalidRequest(_ description: String) -> HTTPResponse {
        respond(.badRequest, params: [("error", "invalid_request"), ("error_description", description)],
                code: "invalid_request", description: description)
    }

    /// A valid token without the scope the operation needs: the MCP step-up challenge.
    func insufficientScope(required: [String], principal: Principal) -> HTTPResponse {
        let description = "The access token lacks the required scope"
        var response = respond(
            .forbidden,
            params: [("error", "insufficient_scope"), ("scope", required.joined(separator: " ")),
                     ("error_description", description)],
            code: "insufficient_scope", description: description)
        response.principal = principal
        return response
    }

    /// The keys are not loaded yet (or the provider never answered): not the client's fault.
    func keysUnavailable() -> HTTPResponse {
        .error(.serviceUnavailable, code: "temporarily_unavailable",
               description: "Token validation is not available yet; retry shortly",
               headers: ["Retry-After": "1"])
    }

    private func respond(
        _ status: HTTPResponseStatus, params: [(String, String)], code: String, description: String
    ) -> HTTPResponse {
        var parts = ["resource_metadata=\(quoted(resourceMetadataURL))"]
        for (name, value) in params where !value.isEmpty {
            parts.append("\(name)=\(quoted(value))")
        }
        let challenge = "Bearer " + parts.joined(separator: ", ")
        return .error(status, code: code, description: description, headers: ["WWW-Authenticate": challenge])
    }

    /// RFC 7230 quoted-string; values here are ours, but escape anyway. Checked on bytes first:
    /// Foundation's replacing was a sixth of a 401's cost, for values that never need it.
    private func quoted(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else {
            return "\"" + value + "\""
        }
        var escaped = "\""
        for character in value.unicodeScalars {
            if character == "\\" || character == "\"" { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(character)
        }
        return escaped + "\""
    }
}
