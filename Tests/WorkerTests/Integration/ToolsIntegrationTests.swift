import Foundation
import TestSupport
import Testing

/// The tools over MCP and REST against a real worker, provider and redis-server.
@Suite(.serialized)
struct ToolsIntegrationTests {
    /// Valid arguments for every tool, and the scope each needs.
    static var calls: [(tool: String, scope: String, arguments: [String: Any])] { [
        ("echo", "mcp:read", ["message": "hello"]),
        ("timestamp", "mcp:read", [:]),
        ("whoami", "mcp:read", [:]),
        ("notes_list", "mcp:read", [:]),
        ("notes_put", "mcp:write", ["id": "n1", "text": "remember"]),
        ("notes_delete", "mcp:write", ["id": "n1"]),
        ("summarize", "mcp:infer", ["text": "Swift is fast. Swift is safe. Cats sleep.", "max_sentences": 2]),
    ] }

    static var allTools: Set<String> { Set(calls.map(\.tool)) }

    @Test func restAndMCPGiveTheSameResultForEachTool() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let token = try await harness.token()

        func both(_ tool: String, _ arguments: [String: Any], between: () async throws -> Void = {}) async throws -> ([String: Any], [String: Any]) {
            let mcp = try await harness.mcp(tool, arguments, token: token)
            try await between()
            let rest = try await harness.rest(tool, arguments, token: token)
            #expect(mcp.status == 200)
            #expect(rest.status == 200, "\(tool): \(rest.text)")
            #expect(rest.header("content-type") == "application/json")
            return (try #require(ToolsHarness.mcpResult(mcp)), try #require(rest.json))
        }
        func expectSame(_ tool: String, _ arguments: [String: Any], between: () async throws -> Void = {}) async throws {
            let (mcp, rest) = try await both(tool, arguments, between: between)
            #expect(try ToolsHarness.canonical(mcp) == ToolsHarness.canonical(rest), "\(tool)")
            #expect(rest["isError"] as? Bool == false)
        }

        try await expectSame("echo", ["message": "same either way ✓"])
        try await expectSame("whoami", [:])
        try await expectSame("summarize", ["text": SummarizeSample.text, "max_sentences": 2])
        try await expectSame("notes_list", [:])
        // Stateful tools: each protocol starts from the same state.
        try await expectSame("notes_put", ["id": "parity", "text": "one"]) {
            _ = try await harness.mcp("notes_delete", ["id": "parity"], token: token)
        }
        try await expectSame("notes_list", [:])
        try await expectSame("notes_delete", ["id": "parity"]) {
            _ = try await harness.mcp("notes_put", ["id": "parity", "text": "one"], token: token)
        }
        // The clock moves between the calls: compare the shape and the time within a few seconds.
        let (mcpTime, restTime) = try await both("timestamp", [:])
        let mcpClock = try #require(ToolsHarness.structured(mcpTime))
        let restClock = try #require(ToolsHarness.structured(restTime))
        #expect(Set(mcpClock.keys) == Set(restClock.keys))
        #expect(abs((mcpClock["unix"] as? Int ?? 0) - (restClock["unix"] as? Int ?? -100)) <= 5)
    }

    @Test func notesOfOneSubjectAreInvisibleToAnother() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let alice = try await harness.token(subject: "alice")
        let bob = try await harness.token(subject: "bob")

        // Alice saves one note over each protocol.
        #expect(ToolsHarness.structured(ToolsHarness.mcpResult(try await harness.mcp("notes_put", ["id": "shared-id", "text": "alice secret"], token: alice)))?["created"] as? Bool == true)
        #expect(try await harness.rest("notes_put", ["id": "rest-id", "text": "alice rest"], token: alice).status == 200)

        // Bob sees none of them, over either protocol.
        for list in [ToolsHarness.mcpResult(try await harness.mcp("notes_list", token: bob)), try await harness.rest("notes_list", token: bob).json] {
            #expect(ToolsHarness.structured(list)?["count"] as? Int == 0)
            #expect((ToolsHarness.structured(list)?["notes"] as? [Any])?.isEmpty == true)
        }
        // Bob cannot delete them by id.
        #expect(ToolsHarness.structured(ToolsHarness.mcpResult(try await harness.mcp("notes_delete", ["id": "shared-id"], token: bob)))?["deleted"] as? Bool == false)
        #expect(ToolsHarness.structured(try await harness.rest("notes_delete", ["id": "rest-id"], token: bob).json)?["deleted"] as? Bool == false)
        // Bob's put with the same id creates his own note, not a replacement of Alice's.
        #expect(ToolsHarness.structured(try await harness.rest("notes_put", ["id": "shared-id", "text": "bob's"], token: bob).json)?["created"] as? Bool == true)
        #expect(ToolsHarness.structured(ToolsHarness.mcpResult(try await harness.mcp("notes_put", ["id": "rest-id", "text": "bob's too"], token: bob)))?["created"] as? Bool == true)

        // Alice's notes are untouched.
        for list in [ToolsHarness.mcpResult(try await harness.mcp("notes_list", token: alice)), try await harness.rest("notes_list", token: alice).json] {
            let notes = try #require(ToolsHarness.structured(list)?["notes"] as? [[String: Any]])
            #expect(notes.map { $0["id"] as? String } == ["rest-id", "shared-id"])
            #expect(notes.map { $0["text"] as? String } == ["alice rest", "alice secret"])
        }
        // And Bob sees exactly his.
        let bobs = try #require(ToolsHarness.structured(try await harness.rest("notes_list", token: bob).json)?["notes"] as? [[String: Any]])
        #expect(bobs.map { $0["text"] as? String } == ["bob's too", "bob's"])
        // After Bob deletes "shared-id", Alice's is still there.
        #expect(ToolsHarness.structured(try await harness.rest("notes_delete", ["id": "shared-id"], token: bob).json)?["deleted"] as? Bool == true)
        #expect(ToolsHarness.structured(try await harness.rest("notes_list", token: alice).json)?["count"] as? Int == 2)
    }

    @Test func scopeMatrixOverMCPAndREST() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let scopes = ["mcp:read", "mcp:write", "mcp:infer"]
        for call in Self.calls {
            let granted = try await harness.token(scope: call.scope)
            let lacking = try await harness.token(scope: scopes.filter { $0 != call.scope }.joined(separator: " "))

            let mcpAllowed = try await harness.mcp(call.tool, call.arguments, token: granted)
            #expect(mcpAllowed.status == 200, "\(call.tool) with \(call.scope) over MCP")
            #expect(ToolsHarness.mcpResult(mcpAllowed)?["isError"] as? Bool == false, "\(call.tool): \(mcpAllowed.text)")
            let restAllowed = try await harness.rest(call.tool, call.arguments, token: granted)
            #expect(restAllowed.status == 200, "\(call.tool) with \(call.scope) over REST: \(restAllowed.text)")

            let mcpDenied = try await harness.mcp(call.tool, call.arguments, token: lacking)
            let restDenied = try await harness.rest(call.tool, call.arguments, token: lacking)
            for denied in [mcpDenied, restDenied] {
                #expect(denied.status == 403, "\(call.tool) without \(call.scope)")
                let challenge = try #require(BearerChallenge(denied.header("www-authenticate")))
                #expect(challenge["error"] == "insufficient_scope")
                #expect(challenge["scope"] == call.scope)
                #expect(challenge["resource_metadata"] == "https://mcp.gatehouse.test/.well-known/oauth-protected-resource/mcp")
            }
            // The same challenge; the body is each route's own: OAuth JSON, or a JSON-RPC error.
            #expect(restDenied.json?["error"] as? String == "insufficient_scope")
            let error = try #require(mcpDenied.json?["error"] as? [String: Any])
            #expect(error["code"] as? Int == 403)
            #expect(error["message"] as? String == "Forbidden: tool '\(call.tool)' needs scope \(call.scope)")
        }
    }

    @Test func toolsAreListedByScopeUnlessAllAreAskedFor() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let readOnly = try await harness.token(scope: "mcp:read")
        let listing = try await harness.client.postJSON(harness.worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(readOnly))
        let listed = try #require((listing.json?["result"] as? [String: Any])?["tools"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["name"] as? String }) == ["echo", "timestamp", "whoami", "notes_list"])
        let rest = try await harness.client.get("\(harness.worker.baseURL)/tools", headers: MCPRequests.bearer(readOnly))
        #expect(rest.status == 200)
        let restTools = try #require(rest.json?["tools"] as? [[String: Any]])
        #expect(Set(restTools.compactMap { $0["name"] as? String }) == ["echo", "timestamp", "whoami", "notes_list"])
        let echo = try #require(restTools.first { $0["name"] as? String == "echo" })
        #expect(echo["requiredScope"] as? String == "mcp:read")
        #expect((echo["inputSchema"] as? [String: Any])?["required"] as? [String] == ["message"])
        #expect(echo["outputSchema"] is [String: Any])
        #expect((echo["description"] as? String)?.isEmpty == false)

        let everything = try await harness.token()
        let all = try await harness.client.get("\(harness.worker.baseURL)/tools", headers: MCPRequests.bearer(everything))
        #expect(Set((all.json?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) == Self.allTools)
        #expect(try await harness.client.get("\(harness.worker.baseURL)/tools").status == 401)

        let listAll = try await WorkerProcess.start(idp: harness.idp, environment: [
            "GATEHOUSE_LIST_ALL_TOOLS": "true", "GATEHOUSE_REDIS_URL": try #require(harness.redis).url(),
        ])
        defer { listAll.stop() }
        let full = try await harness.client.postJSON(listAll.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(readOnly))
        let fullList = try #require((full.json?["result"] as? [String: Any])?["tools"] as? [[String: Any]])
        #expect(Set(fullList.compactMap { $0["name"] as? String }) == Self.allTools)
        for tool in fullList {
            let scope = (tool["_meta"] as? [String: Any])?["gatehouse/requiredScope"] as? String
            #expect(scope == Self.calls.first { $0.tool == tool["name"] as? String }?.scope)
        }
        // Listing everything does not let anyone call everything.
        #expect(try await harness.client.postJSON(listAll.mcpURL, MCPRequests.callTool("summarize", arguments: ["text": "x"]), headers: MCPRequests.bearer(readOnly)).status == 403)
    }

    @Test func restErrorsAreClearAndSmall() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let token = try await harness.token()
        let base = harness.worker.baseURL

        let unauthenticated = try await harness.rest("echo", ["message": "x"], token: nil)
        #expect(unauthenticated.status == 401)
        #expect(BearerChallenge(unauthenticated.header("www-authenticate"))?["resource_metadata"] != nil)
        #expect(try await harness.rest("echo", ["message": "x"], token: "not.a.jwt").status == 401)

        let unknown = try await harness.rest("nope", [:], token: token)
        #expect(unknown.status == 404)
        #expect(unknown.json?["error"] as? String == "unknown_tool")

        let invalid = try await harness.rest("summarize", ["text": "ok", "max_sentences": 99], token: token)
        #expect(invalid.status == 422)
        #expect(invalid.json?["error"] as? String == "invalid_arguments")
        #expect(invalid.json?["pointer"] as? String == "/max_sentences")
        #expect((invalid.json?["error_description"] as? String)?.contains("max_sentences") == true)
        #expect(try await harness.rest("echo", [:], token: token).json?["pointer"] as? String == "/message")
        #expect(try await harness.rest("notes_put", ["id": "bad id", "text": "x"], token: token).json?["pointer"] as? String == "/id")

        let bearer = MCPRequests.bearer(token)
        let notObject = try await harness.client.send("POST", "\(base)/tools/echo", headers: bearer.merging(["Content-Type": "application/json"]) { $1 }, body: Data("[1]".utf8))
        #expect(notObject.status == 422)
        #expect(notObject.json?["pointer"] as? String == "")
        let malformed = try await harness.client.send("POST", "\(base)/tools/echo", headers: bearer.merging(["Content-Type": "application/json"]) { $1 }, body: Data("{".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json?["error"] as? String == "invalid_json")
        let text = try await harness.client.send("POST", "\(base)/tools/echo", headers: bearer.merging(["Content-Type": "text/plain"]) { $1 }, body: Data("hello".utf8))
        #expect(text.status == 415)
        // No body at all: no arguments, fine for a tool that needs none.
        #expect(try await harness.client.send("POST", "\(base)/tools/timestamp", headers: bearer).status == 200)

        let get = try await harness.client.get("\(base)/tools/echo", headers: bearer)
        #expect(get.status == 405)
        #expect(get.header("allow") == "POST")
        let postList = try await harness.client.send("POST", "\(base)/tools", headers: bearer)
        #expect(postList.status == 405)
        #expect(postList.header("allow") == "GET")
        #expect(try await harness.client.send("POST", "\(base)/tools/", headers: bearer).status == 404)
        #expect(try await harness.client.send("POST", "\(base)/tools/echo/extra", headers: bearer).status == 404)
    }

    @Test func withoutRedisTheNotesToolsAreNotOffered() async throws {
        let harness = try await ToolsHarness.start(redis: false)
        defer { harness.stop() }
        let token = try await harness.token()
        let rest = try await harness.client.get("\(harness.worker.baseURL)/tools", headers: MCPRequests.bearer(token))
        #expect(Set((rest.json?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }) == ["echo", "timestamp", "whoami", "summarize"])
        #expect(try await harness.rest("notes_list", token: token).status == 404)
        let mcp = try await harness.mcp("notes_list", token: token)
        #expect((mcp.json?["error"] as? [String: Any])?["code"] as? Int == -32602)
        let openAPI = try await harness.client.get("\(harness.worker.baseURL)/openapi.json")
        #expect((openAPI.json?["paths"] as? [String: Any])?["/tools/notes_put"] == nil)
    }

    @Test func redisDownIsAToolErrorOverMCPAnd503OverREST() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let token = try await harness.token()
        #expect(try await harness.rest("notes_put", ["id": "a", "text": "b"], token: token).status == 200)
        try await #require(harness.redis).kill()

        let mcp = try await harness.mcp("notes_list", token: token)
        #expect(mcp.status == 200)
        let result = try #require(mcp.json?["result"] as? [String: Any])
        #expect(result["isError"] as? Bool == true)
        #expect(((result["content"] as? [[String: Any]])?.first?["text"] as? String)?.contains("unavailable") == true)
        let rest = try await harness.rest("notes_put", ["id": "a", "text": "b"], token: token)
        #expect(rest.status == 503)
        #expect(rest.json?["error"] as? String == "temporarily_unavailable")
        #expect(rest.header("retry-after") == "1")
        // The worker lives on and the other tools still answer.
        #expect(try await harness.rest("echo", ["message": "still here"], token: token).status == 200)
        #expect(harness.worker.process.isRunning)

        try await #require(harness.redis).restart()
        try await waitUntil(timeout: .seconds(15), "notes to work again") {
            try await harness.rest("notes_list", token: token).status == 200
        }
    }

    @Test func openAPIDocumentIsPublicAndDescribesEveryTool() async throws {
        let harness = try await ToolsHarness.start()
        defer { harness.stop() }
        let response = try await harness.client.get("\(harness.worker.baseURL)/openapi.json")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        let document = try #require(response.json)
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        for call in Self.calls {
            let post = try #require((paths["/tools/\(call.tool)"] as? [String: Any])?["post"] as? [String: Any])
            #expect(post["security"] as? [[String: [String]]] == [["oauth2": [call.scope]]])
            let responses = try #require(post["responses"] as? [String: Any])
            #expect(Set(responses.keys).isSuperset(of: ["200", "401", "403", "422"]))
        }
        for path in ["/tools", "/tools/{name}", "/mcp", "/healthz", "/readyz", "/.well-known/oauth-protected-resource/mcp"] {
            #expect(paths[path] != nil, "\(path)")
        }
        let flows = try #require(((document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])?["oauth2"] as? [String: Any])
        let clientCredentials = try #require((flows["flows"] as? [String: Any])?["clientCredentials"] as? [String: Any])
        #expect(clientCredentials["tokenUrl"] as? String == harness.idp.tokenEndpoint)
        let authorizationCode = try #require((flows["flows"] as? [String: Any])?["authorizationCode"] as? [String: Any])
        #expect(authorizationCode["authorizationUrl"] as? String == "\(harness.idp.issuer)/protocol/openid-connect/auth")
        #expect(Set((authorizationCode["scopes"] as? [String: Any])?.keys.map { $0 } ?? []) == ["mcp:read", "mcp:write", "mcp:infer"])
    }
}

enum SummarizeSample {
    static let text = """
        Gatehouse validates every token before a tool runs. Tokens come from Keycloak. \
        Every tool needs a scope, and a token without it gets a step-up challenge. \
        The weather is irrelevant here.

        Tools answer over MCP and over REST with the same result.
        """
}
