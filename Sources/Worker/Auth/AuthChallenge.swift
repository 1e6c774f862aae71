import NIOHTTP1

/// RFC 6750 §3 `WWW-Authenticate` challenges, each pointing at the RFC 9728 metadata.
struct AuthChallenge: Sendable {
    var resourceMetadataURL: String

    /// No credentials: no `error`, just where to find the authorization server and what to ask for.
    func missingToken(scopes: [String]) -> AuthRefusal {
        refusal(.unauthorized, params: [("scope", scopes.joined(separator: " "))],
                error: "unauthorized", description: "An access token is required",
                message: "Unauthorized: an access token is required; the WWW-Authenticate header says where to get one")
    }

    func invalidToken(_ rejection: TokenRejection) -> AuthRefusal {
        refusal(.unauthorized, params: [("error", "invalid_token"), ("error_description", rejection.description)],
                error: "invalid_token", description: rejection.description)
    }

    func invalidRequest(_ description: String) -> AuthRefusal {
        refusal(.badRequest, params: [("error", "invalid_request"), ("error_description", description)],
                error: "invalid_request", description: description)
    }

    /// A valid token without the scope the operation needs: the MCP step-up challenge.
    func insufficientScope(required: [String], principal: Principal, tool: String? = nil) -> AuthRefusal {
        let description = "The access token lacks the required scope"
        let needs = required.joined(separator: " ")
        var refused = refusal(
            .forbidden,
            params: [("error", "insufficient_scope"), ("scope", needs), ("error_description", description)],
            error: "insufficient_scope", description: description,
            message: tool.map { "Forbidden: tool '\($0)' needs scope \(needs)" } ?? "Forbidden: this needs scope \(needs)")
        refused.principal = principal
        return refused
    }

    /// The keys are not loaded yet (or the provider never answered): not the client's fault.
    func keysUnavailable() -> AuthRefusal {
        AuthRefusal(status: .serviceUnavailable, headers: ["Retry-After": "1"], error: "temporarily_unavailable",
                    description: "Token validation is not available yet; retry shortly")
    }

    private func refusal(
        _ status: HTTPResponseStatus, params: [(String, String)], error: String, description: String, message: String? = nil
    ) -> AuthRefusal {
        var parts = ["resource_metadata=\(quoted(resourceMetadataURL))"]
        for (name, value) in params where !value.isEmpty {
            parts.append("\(name)=\(quoted(value))")
        }
        let challenge = "Bearer " + parts.joined(separator: ", ")
        return AuthRefusal(status: status, headers: ["WWW-Authenticate": challenge], error: error, description: description, message: message)
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
