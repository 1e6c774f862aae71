import Foundation
import NIOHTTP1

/// `POST /realms/{realm}/protocol/openid-connect/token`: the client-credentials grant.
///
/// Checks run in Keycloak's order (request shape, then client authentication, then the grant),
/// so a test sees the same error Keycloak would give for the same mistake.
struct TokenEndpoint: Sendable {
    let state: IdPState

    func handle(_ request: IdPRequest) -> HTTPResult {
        do {
            return try issue(request)
        } catch let error as OAuthError {
            return error.httpResult
        } catch {
            FileHandle.standardError.write(Data("gatehouse-dev-idp: token signing failed: \(error)\n".utf8))
            return .error(.internalServerError, "server_error", "Token signing failed")
        }
    }

    private func issue(_ request: IdPRequest) throws -> HTTPResult {
        let contentType = request.headers.first(name: "Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthError.invalidRequest("Content-Type must be application/x-www-form-urlencoded")
        }
        guard let form = FormURLEncoding.parameters(request.body) else {
            throw OAuthError.invalidRequest("Malformed form body or repeated parameter")
        }
        guard let grantType = form["grant_type"], !grantType.isEmpty else {
            throw OAuthError.invalidRequest("Missing form parameter: grant_type")
        }
        let client = try authenticateClient(request, form: form)

        switch grantType {
        case "client_credentials":
            break
        case "authorization_code":
            // Advertised like Keycloak does, but there is no login page, so no code is ever valid.
            throw OAuthError.invalidGrant("Code not valid")
        case "refresh_token":
            // Client-credentials tokens come without refresh tokens, so none can be valid.
            throw OAuthError.invalidGrant("Invalid refresh token")
        default:
            throw OAuthError.unsupportedGrantType("Unsupported grant_type")
        }

        // Not a Keycloak parameter: lets tests pick which active key signs.
        let algorithm: SigningAlgorithm
        switch form["alg"] {
        case nil, "": algorithm = .rs256
        case let name?:
            guard let chosen = SigningAlgorithm(rawValue: name) else {
                throw OAuthError.invalidRequest("Unsupported alg: use RS256 or ES256")
            }
            algorithm = chosen
        }

        let scope = try client.grantedScope(requested: form["scope"])
        let issued = try state.tokenIssuer.issueClientCredentialsToken(
            client: client,
            subject: state.clients.subject(for: client),
            scope: scope,
            issuer: state.configuration.issuer(port: request.localPort),
            clientAddress: request.remoteIP ?? "127.0.0.1",
            key: state.keys.activeKey(algorithm)
        )
        let body: JSONValue = [
            "access_token": .string(issued.accessToken),
            "expires_in": .int(Int64(issued.expiresIn)),
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": .string(issued.scope),
        ]
        return .json(body, headers: ["Cache-Control": "no-store", "Pragma": "no-cache"])
    }

    /// client_secret_basic or client_secret_post, never both (RFC 6749 §2.3).
    private func authenticateClient(_ request: IdPRequest, form: [String: String]) throws -> RegisteredClient {
        let realm = state.configuration.realm
        if let basic = try basicCredentials(request.headers) {
            if form["client_secret"] != nil {
                throw OAuthError.invalidRequest("Use only one client authentication method")
            }
            if let formID = form["client_id"], formID != basic.id {
                throw OAuthError.invalidRequest("client_id does not match the Basic credentials")
            }
            guard let client = state.clients.authenticate(id: basic.id, secret: basic.secret) else {
                throw OAuthError.invalidClient("Invalid client or Invalid client credentials", basicChallengeRealm: realm)
            }
            return client
        }
        guard let id = form["client_id"], !id.isEmpty else {
            throw OAuthError.invalidClient("Missing client credentials", basicChallengeRealm: nil)
        }
        guard let secret = form["client_secret"],
            let client = state.clients.authenticate(id: id, secret: secret)
        else {
            throw OAuthError.invalidClient("Invalid client or Invalid client credentials", basicChallengeRealm: nil)
        }
        return client
    }

    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1);
    /// nil when the request doesn't use Basic, an error when it does but is garbled.
    private func basicCredentials(_ headers: HTTPHeaders) throws -> (id: String, secret: String)? {
        guard let authorization = headers.first(name: "Authorization") else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        let realm = state.configuration.realm
        guard let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8),
            let colon = text.firstIndex(of: ":"),
            let id = FormURLEncoding.decode(Array(text[..<colon].utf8)),
            let secret = FormURLEncoding.decode(Array(text[text.index(after: colon)...].utf8))
        else {
            throw OAuthError.invalidClient("Malformed Basic credentials", basicChallengeRealm: realm)
        }
        return (id, secret)
    }
}
