import Foundation

/// Mints access tokens shaped like the ones Keycloak issues for the client-credentials grant.
struct TokenIssuer: Sendable {
    let realm: String
    let audiences: [String]
    let lifetime: Int

    struct Issued: Sendable {
        let accessToken: String
        let expiresIn: Int
        let scope: String
    }

    func issueClientCredentialsToken(
        client: RegisteredClient,
        subject: String,
        scope: String,
        issuer: String,
        clientAddress: String,
        key: SigningKey,
        now: Date = Date()
    ) throws -> Issued {
        let issuedAt = Int64(now.timeIntervalSince1970)
        // Keycloak adds its `account` client as an audience because of the default roles below.
        var audience = audiences
        if !audience.contains("account") { audience.append("account") }
        let payload: JSONValue = [
            "exp": .int(issuedAt + Int64(lifetime)),
            "iat": .int(issuedAt),
            "jti": .string(UUID().uuidString.lowercased()),
            "iss": .string(issuer),
            "aud": .strings(audience),
            "sub": .string(subject),
            "typ": "Bearer",
            "azp": .string(client.id),
            "acr": "1",
            "allowed-origins": [],
            "realm_access": ["roles": .strings(["offline_access", "uma_authorization", "default-roles-\(realm)"])],
            "resource_access": ["account": ["roles": ["manage-account", "view-profile"]]],
            "scope": .string(scope),
            "clientHost": .string(clientAddress),
            "preferred_username": .string("service-account-\(client.id)"),
            "clientAddress": .string(clientAddress),
            "client_id": .string(client.id),
            "email_verified": false,
        ]
        let token = try JWSCompactSigner.sign(header: JWSCompactSigner.defaultHeader(for: key), payload: payload, with: key)
        return Issued(accessToken: token, expiresIn: lifetime, scope: scope)
    }
}
