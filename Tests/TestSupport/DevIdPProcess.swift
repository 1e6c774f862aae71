import Foundation

/// A running `gatehouse-dev-idp`, with the calls tests make on it.
public final class DevIdPProcess: @unchecked Sendable {
    public static let defaultAudience = "https://mcp.gatehouse.test/mcp"
    public static let realm = "mcp-realm"

    public let process: ManagedProcess
    public let port: Int
    public let client = TestHTTPClient()

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var issuer: String { "\(baseURL)/realms/\(Self.realm)" }
    public var tokenEndpoint: String { "\(issuer)/protocol/openid-connect/token" }
    public var jwksURI: String { "\(issuer)/protocol/openid-connect/certs" }

    /// Starts the provider on a free port and waits until it listens.
    public static func start(
        audience: String = defaultAudience, clients: [String] = [], tokenLifetime: Int = 300
    ) async throws -> DevIdPProcess {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("idp-\(UUID().uuidString).port")
        var arguments = ["--port", "0", "--port-file", portFile.path, "--audience", audience,
                         "--token-lifetime", String(tokenLifetime)]
        for client in clients { arguments += ["--client", client] }
        let process = try ManagedProcess(executable: BuildProducts.executable("gatehouse-dev-idp"), arguments: arguments)
        let port = try await eventually(timeout: .seconds(30), "dev IdP port file") { () -> Int? in
            guard let text = try? String(contentsOf: portFile, encoding: .utf8) else { return nil }
            return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try? FileManager.default.removeItem(at: portFile)
        return DevIdPProcess(process: process, port: port)
    }

    private init(process: ManagedProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// A client-credentials token, as an MCP agent would get one.
    public func token(
        scope: String? = nil, algorithm: String? = nil, clientID: String = "mcp-client", secret: String = "mcp-secret"
    ) async throws -> String {
        var fields = ["grant_type": "client_credentials", "client_id": clientID, "client_secret": secret]
        if let scope { fields["scope"] = scope }
        if let algorithm { fields["alg"] = algorithm }
        let response = try await client.postForm(tokenEndpoint, fields)
        guard response.status == 200, let token = response.json?["access_token"] as? String else {
            throw HarnessError("token request failed: \(response.status) \(response.text)")
        }
        return token
    }

    /// Signs exactly the given header (over the key's defaults) and payload.
    public func sign(header: [String: Any] = [:], payload: [String: Any], key: String = "rs256") async throws -> String {
        let response = try await client.postJSON("\(baseURL)/admin/sign", ["header": header, "payload": payload, "key": key])
        guard response.status == 200, let token = response.json?["token"] as? String else {
            throw HarnessError("sign failed: \(response.status) \(response.text)")
        }
        return token
    }

    /// Claims shaped like a Keycloak access token for `audience`, valid for five minutes.
    public func keycloakClaims(audience: String = defaultAudience, scope: String = "profile email mcp:read") -> [String: Any] {
        let now = Int(Date().timeIntervalSince1970)
        return [
            "exp": now + 300, "iat": now, "jti": UUID().uuidString, "iss": issuer, "aud": [audience, "account"],
            "sub": "0b9e8d52-5f07-4a0c-9d2e-7a1f0a4c9c11", "typ": "Bearer", "azp": "mcp-client", "scope": scope,
            "realm_access": ["roles": ["offline_access", "uma_authorization"]],
        ]
    }

    @discardableResult
    public func rotate() async throws -> [String: Any] {
        try await admin("POST", "rotate")
    }

    @discardableResult
    public func retire() async throws -> [String: Any] {
        try await admin("POST", "retire")
    }

    public func keys() async throws -> [String: Any] {
        try await admin("GET", "keys")
    }

    public func goDown() async throws { _ = try await admin("POST", "down") }
    public func comeUp() async throws { _ = try await admin("POST", "up") }

    /// Requests the provider has received: `jwks_requests`, `discovery_requests`, `token_requests`.
    public func stats() async throws -> [String: Int] {
        let json = try await admin("GET", "stats")
        return json.compactMapValues { $0 as? Int }
    }

    public func resetStats() async throws { _ = try await admin("POST", "stats/reset") }

    public func stop() { process.stop() }

    private func admin(_ method: String, _ path: String) async throws -> [String: Any] {
        let response = try await client.send(method, "\(baseURL)/admin/\(path)")
        guard response.status == 200, let json = response.json else {
            throw HarnessError("admin \(path) failed: \(response.status) \(response.text)")
        }
        return json
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
