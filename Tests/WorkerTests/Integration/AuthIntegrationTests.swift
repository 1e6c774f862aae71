import Foundation
import TestSupport
import Testing

@Suite(.serialized)
struct AuthIntegrationTests {
    let client = TestHTTPClient()
    static let metadataPath = "/.well-known/oauth-protected-resource/mcp"

    @Test func challengesFollowRFC6750AndPointAtTheMetadata() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let metadataURL = "https://mcp.gatehouse.test" + Self.metadataPath

        // No token: 401, no error, resource_metadata and scope.
        let missing = try await client.postJSON(worker.mcpURL, MCPRequests.listTools())
        #expect(missing.status == 401)
        let noToken = try #require(BearerChallenge(missing.header("www-authenticate")))
        #expect(noToken["error"] == nil)
        #expect(noToken["resource_metadata"] == metadataURL)
        #expect(noToken["scope"] == "mcp:read")

        // A bad token: 401 invalid_token, and the token never comes back.
        let garbage = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
        let bad = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(garbage))
        #expect(bad.status == 401)
        let invalid = try #require(BearerChallenge(bad.header("www-authenticate")))
        #expect(invalid["error"] == "invalid_token")
        #expect(invalid["resource_metadata"] == metadataURL)
        #expect(!bad.text.contains(garbage))
        #expect(!bad.headers.values.contains { $0.contains(garbage) })

        // An expired token, signed by the real key: still invalid_token.
        var claims = idp.keycloakClaims()
        claims["exp"] = Int(Date().timeIntervalSince1970) - 3600
        let expired = try await idp.sign(payload: claims)
        let expiredResponse = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(expired))
        #expect(expiredResponse.status == 401)
        #expect(BearerChallenge(expiredResponse.header("www-authenticate"))?["error"] == "invalid_token")

        // A token for another audience.
        let foreign = try await idp.sign(payload: idp.keycloakClaims(audience: "https://other.example.test/mcp"))
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(foreign)).status == 401)

        // Valid but without mcp:read: listing works (shows nothing), calling echo is a 403 step-up.
        let weak = try await idp.token(scope: "profile")
        let listed = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(weak))
        #expect(((listed.json?["result"] as? [String: Any])?["tools"] as? [Any])?.isEmpty == true)
        let denied = try await client.postJSON(worker.mcpURL, MCPRequests.callTool("echo", arguments: ["message": "x"]), headers: MCPRequests.bearer(weak))
        #expect(denied.status == 403)
        let stepUp = try #require(BearerChallenge(denied.header("www-authenticate")))
        #expect(stepUp["error"] == "insufficient_scope")
        #expect(stepUp["scope"] == "mcp:read")
        #expect(stepUp["resource_metadata"] == metadataURL)

        // Validity comes before scope: an expired token never gets a 403.
        let expiredCall = try await client.postJSON(worker.mcpURL, MCPRequests.callTool("echo", arguments: ["message": "x"]), headers: MCPRequests.bearer(expired))
        #expect(expiredCall.status == 401)

        let logs = worker.process.logLines
        #expect(logs.contains { $0["event"] as? String == "auth.failure" && $0["reason"] as? String == "expired" })
        #expect(logs.contains { $0["event"] as? String == "authz.denied" && $0["required_scope"] as? String == "mcp:read" })
        #expect(logs.contains { $0["event"] as? String == "auth.success" })
        for token in [expired, foreign, weak] {
            #expect(!worker.process.output.contains(token))
        }
        #expect(!worker.process.output.contains("eyJ"))
    }

    @Test func tokensOutsideTheAuthorizationHeaderAreNeverAccepted() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()

        let query = try await client.postJSON(worker.mcpURL + "?access_token=" + token, MCPRequests.listTools())
        #expect(query.status == 400)
        #expect(BearerChallenge(query.header("www-authenticate"))?["error"] == "invalid_request")

        let form = try await client.send(
            "POST", worker.mcpURL, headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Data("access_token=\(token)".utf8))
        #expect(form.status == 401)

        let twoSchemes = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: ["Authorization": "Basic bWNwLWNsaWVudDptY3Atc2VjcmV0"])
        #expect(twoSchemes.status == 401)
        #expect(BearerChallenge(twoSchemes.header("www-authenticate"))?["error"] == nil)

        let lowerCaseScheme = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: ["Authorization": "bearer \(token)"])
        #expect(lowerCaseScheme.status == 200)
        #expect(!worker.process.output.contains(token))
    }

    /// A real worker: a valid token with padding after its signature is another spelling of
    /// it, and refused.
    @Test func aPaddedSpellingOfAValidTokenIsRefused() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 200)
        let padded = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token + "=="))
        #expect(padded.status == 401)
        #expect(BearerChallenge(padded.header("www-authenticate"))?["error"] == "invalid_token")
    }

    /// RFC 9728 §3.3: the `resource` a client reads must be the one the metadata URL was built
    /// from, so the metadata is served at the resource's URL only; the bare well-known URL
    /// (which names the origin) is 404, unless the resource is the origin itself.
    @Test func protectedResourceMetadataAtTheResourcesURLOnly() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        #expect(try await client.get(worker.baseURL + "/.well-known/oauth-protected-resource").status == 404)
        let atOrigin = try await WorkerProcess.start(idp: idp, resource: "https://mcp.gatehouse.test")
        defer { atOrigin.stop() }
        let root = try await client.get(atOrigin.baseURL + "/.well-known/oauth-protected-resource")
        #expect(root.status == 200)
        #expect(root.json?["resource"] as? String == "https://mcp.gatehouse.test")

        for path in [Self.metadataPath] {
            // Forwarded headers must not change what is advertised.
            let response = try await client.get(worker.baseURL + path, headers: [
                "Host": "evil.example.test", "X-Forwarded-Host": "evil.example.test", "X-Forwarded-Proto": "http",
            ])
            #expect(response.status == 200)
            #expect(response.header("cache-control")?.contains("max-age") == true)
            let metadata = try #require(response.json)
            #expect(metadata["resource"] as? String == DevIdPProcess.defaultAudience)
            #expect(metadata["authorization_servers"] as? [String] == [idp.issuer])
            // The scopes the served tools need: without Redis there are no notes tools, so no mcp:write.
            #expect(metadata["scopes_supported"] as? [String] == ["mcp:read", "mcp:infer"])
            #expect(metadata["bearer_methods_supported"] as? [String] == ["header"])
            #expect(metadata["resource_name"] is String)
            #expect((metadata["resource_documentation"] as? String)?.hasPrefix("https://mcp.gatehouse.test/") == true)
            #expect(!response.text.contains("evil"))
        }
        #expect(try await client.send("POST", worker.baseURL + Self.metadataPath).status == 405)
    }

    @Test func rotatedKeyIsAcceptedWithoutRestart() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let before = try await idp.token()
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(before)).status == 200)

        try await idp.rotate()
        for algorithm in ["RS256", "ES256"] {
            let after = try await idp.token(algorithm: algorithm)
            let response = try await client.postJSON(worker.mcpURL, MCPRequests.callTool("echo", arguments: ["message": algorithm]), headers: MCPRequests.bearer(after))
            #expect(response.status == 200, "a token from the rotated \(algorithm) key")
        }
        // The old key is still published (passive), so the old token still works.
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(before)).status == 200)
        #expect(worker.process.logLines(event: "jwks.refresh").contains { $0["reason"] as? String == "unknown_kid" })
    }

    @Test func aCachedTokenIsRefusedOnceItsKeyLeftTheJWKS() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_JWKS_COOLDOWN": "0"])
        defer { worker.stop(); idp.stop() }
        let old = try await idp.token()
        // Twice: the second answer comes from the verified-token cache.
        for _ in 0..<2 {
            #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(old)).status == 200)
        }
        // The provider rotates and drops the old key; a new token makes the worker refresh.
        try await idp.rotate()
        try await idp.retire()
        let new = try await idp.token()
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(new)).status == 200)
        let refused = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(old))
        #expect(refused.status == 401)
        #expect(BearerChallenge(refused.header("www-authenticate"))?["error"] == "invalid_token")
    }

    @Test func floodOfUnknownKeyIDsCausesAtMostOneFetchPerCooldown() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_JWKS_COOLDOWN": "30"])
        defer { worker.stop(); idp.stop() }
        let valid = try await idp.token()
        try await idp.resetStats()

        // 300 tokens with random kids, signed by the real key, sent concurrently.
        var tokens: [String] = []
        for _ in 0..<10 {
            tokens.append(try await idp.sign(header: ["kid": UUID().uuidString], payload: idp.keycloakClaims()))
        }
        let client = self.client
        let mcpURL = worker.mcpURL
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<300 {
                let token = tokens[index % tokens.count]
                group.addTask {
                    try await client.postJSON(mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 401 })
        #expect(try await idp.stats()["jwks_requests"] == 1)
        // Known keys are unaffected by the flood.
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(valid)).status == 200)
        #expect(try await idp.stats()["jwks_requests"] == 1)
    }

    @Test func keysStayUsableWhileTheProviderIsDown() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_JWKS_TTL": "1", "GATEHOUSE_JWKS_COOLDOWN": "0"])
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()
        try await idp.goDown()
        // Let the one-second TTL refresh fail at least once.
        try await waitUntil(timeout: .seconds(15), "a failed refresh") {
            !worker.process.logLines(event: "jwks.refresh_failed").isEmpty
        }
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 200)
        #expect(try await client.get(worker.baseURL + "/readyz").status == 200)
        let unknown = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2ln"))
        #expect(unknown.status == 401)
        try await idp.comeUp()
    }

    @Test func notReadyUntilKeysLoad() async throws {
        let idp = try await DevIdPProcess.start()
        try await idp.goDown()
        let worker = try await WorkerProcess.start(idp: idp, waitForReady: false)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.sign(payload: idp.keycloakClaims())

        #expect(try await client.get(worker.baseURL + "/healthz").status == 200)
        let notReady = try await client.get(worker.baseURL + "/readyz")
        #expect(notReady.status == 503)
        // Without keys a token cannot be judged: 503, not a 401 that blames the client.
        let early = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token))
        #expect(early.status == 503)
        #expect(early.header("retry-after") != nil)

        try await idp.comeUp()
        try await waitUntil(timeout: .seconds(20), "readiness after the provider is back") {
            (try? await client.get(worker.baseURL + "/readyz"))?.status == 200
        }
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 200)
    }
}

extension AuthIntegrationTests {
    /// Keys kept while every refresh fails have a maximum age: past it, tokens are refused
    /// (503: validation is not available), readiness says so, a clear line is logged once, and
    /// everything recovers when the provider answers again.
    @Test func keysKeptThroughFailuresExpireAfterTheMaximumStaleness() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: [
            "GATEHOUSE_JWKS_TTL": "1", "GATEHOUSE_JWKS_MAX_STALE": "2", "GATEHOUSE_TOKEN_CACHE_SIZE": "0",
        ])
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 200)
        try await idp.goDown()
        try await waitUntil(timeout: .seconds(10), "the keys to expire") {
            try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 503
        }
        #expect(try await client.get(worker.baseURL + "/readyz").json?["status"] as? String == "keys_expired")
        try await waitUntil("one jwks.keys_expired line") { worker.process.logLines(event: "jwks.keys_expired").count == 1 }
        try await idp.comeUp()
        try await waitUntil(timeout: .seconds(10), "the keys to come back") {
            try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token)).status == 200
        }
        #expect(worker.process.logLines(event: "jwks.keys_expired").count == 1)
    }

    /// A provider URL's query (where some put a key) never reaches a log line.
    @Test func providerURLsAreLoggedWithoutTheirQuery() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        try await idp.goDown()
        let worker = try await WorkerProcess.start(
            idp: idp, environment: ["GATEHOUSE_JWKS_URI": idp.jwksURI + "?api_key=s3cr3t-v4lue"], waitForReady: false)
        defer { worker.stop() }
        try await waitUntil("a failed fetch to be logged") { !worker.process.logLines(event: "jwks.refresh_failed").isEmpty }
        #expect(worker.process.output.contains("protocol/openid-connect/certs"))
        #expect(!worker.process.output.contains("s3cr3t-v4lue"))
    }
}
