import Crypto
import Foundation

/// A confidential client allowed to use the client-credentials grant.
struct RegisteredClient: Sendable, Equatable {
    let id: String
    let secret: String
    /// Scopes beyond Keycloak's defaults (`profile email`) that this client may request.
    let allowedScopes: [String]

    static let defaultAllowedScopes = ["mcp:read", "mcp:write", "mcp:infer"]
    static let `default` = RegisteredClient(id: "mcp-client", secret: "mcp-secret", allowedScopes: defaultAllowedScopes)

    /// Parses `id:secret[:scope1 scope2 ...]`. Omitted scopes mean the default MCP scopes; an empty
    /// scope list (`id:secret:`) means none. The secret therefore cannot contain `:`.
    init(argument: String) throws(ClientArgumentError) {
        let parts = argument.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ClientArgumentError(argument: argument)
        }
        let scopes: [String]
        if parts.count == 3 {
            scopes = parts[2].split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        } else {
            scopes = Self.defaultAllowedScopes
        }
        self.init(id: parts[0], secret: parts[1], allowedScopes: scopes)
    }

    init(id: String, secret: String, allowedScopes: [String]) {
        self.id = id
        self.secret = secret
        var seen = Set<String>()
        self.allowedScopes = allowedScopes.filter { seen.insert($0).inserted }
    }

    /// Keycloak always grants these client scopes by default and lists them in `scope`.
    static let keycloakDefaultScopes = ["profile", "email"]

    /// The `scope` claim for a token request, Keycloak style: `openid` if asked for, the default
    /// scopes, then the requested optional scopes in the client's order.
    func grantedScope(requested: String?) throws(OAuthError) -> String {
        let requestedScopes: [String]
        if let requested, !requested.trimmingCharacters(in: .whitespaces).isEmpty {
            requestedScopes = requested.split(separator: " ").map(String.init)
        } else {
            // No scope parameter: the dev default of read-only access, when the client has it.
            requestedScopes = allowedScopes.contains("mcp:read") ? ["mcp:read"] : []
        }
        let always = Set(["openid"] + Self.keycloakDefaultScopes)
        let refused = requestedScopes.filter { !always.contains($0) && !allowedScopes.contains($0) }
        guard refused.isEmpty else {
            throw .invalidScope("Invalid scopes: \(refused.joined(separator: " "))")
        }
        let openid = requestedScopes.contains("openid") ? ["openid"] : []
        let optional = allowedScopes.filter { requestedScopes.contains($0) && !always.contains($0) }
        return (openid + Self.keycloakDefaultScopes + optional).joined(separator: " ")
    }

    /// Constant-time comparison so the dev IdP doesn't teach bad habits to code copied from it.
    func secretMatches(_ candidate: String) -> Bool {
        let expected = Array(secret.utf8)
        let given = Array(candidate.utf8)
        guard !expected.isEmpty else { return false }
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in 0..<given.count {
            difference |= given[index] ^ expected[index % expected.count]
        }
        return difference == 0
    }
}

struct ClientArgumentError: Error, CustomStringConvertible {
    let argument: String
    var description: String {
        "--client must look like id:secret[:scope1 scope2 ...], got '\(argument.split(separator: ":").first ?? "")...'"
    }
}

/// The clients of the realm, looked up by client_id.
struct ClientRegistry: Sendable {
    private let clients: [String: RegisteredClient]
    private let subjects: [String: String]

    init(clients: [RegisteredClient], realm: String) {
        var byID: [String: RegisteredClient] = [:]
        var subjects: [String: String] = [:]
        for client in clients {
            byID[client.id] = client
            subjects[client.id] = Self.stableSubject(realm: realm, clientID: client.id)
        }
        self.clients = byID
        self.subjects = subjects
    }

    /// The client when the id exists and the secret matches; nil otherwise (callers must not say which).
    func authenticate(id: String, secret: String) -> RegisteredClient? {
        guard let client = clients[id], client.secretMatches(secret) else { return nil }
        return client
    }

    /// The service account's `sub`: a UUID that stays the same across restarts, as Keycloak's does.
    func subject(for client: RegisteredClient) -> String {
        subjects[client.id] ?? Self.stableSubject(realm: "", clientID: client.id)
    }

    /// Name-based UUID (RFC 9562 version 5) in a fixed namespace, from realm and client id.
    private static func stableSubject(realm: String, clientID: String) -> String {
        // The RFC's URL namespace; the name makes it specific to this tool.
        let namespace: [UInt8] = [
            0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
        ]
        let name = Array("gatehouse-dev-idp:\(realm):service-account-\(clientID)".utf8)
        var bytes = Array(Insecure.SHA1.hash(data: namespace + name).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x50
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            let start = hex.index(hex.startIndex, offsetBy: range.lowerBound)
            let end = hex.index(hex.startIndex, offsetBy: range.upperBound)
            return String(hex[start..<end])
        }
        return groups.joined(separator: "-")
    }
}
