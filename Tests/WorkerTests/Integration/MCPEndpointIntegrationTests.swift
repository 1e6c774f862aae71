import Foundation
import TestSupport
import Testing

/// A real worker and a real development identity provider, over real HTTP.
@Suite(.serialized)
struct MCPEndpointIntegrationTests {
    let client = TestHTTPClient()

    @Test func initializeListAndCallEcho() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()

        let initialize = try await client.postJSON(worker.mcpURL, MCPRequests.initialize(protocolVersion: "2025-06-18"), headers: MCPRequests.bearer(token))
        #expect(initialize.status == 200)
        #expect(initialize.header("content-type") == "application/json")
        #expect(initialize.header("mcp-session-id") == nil)
        let result = try #require(initialize.json?["result"] as? [String: Any])
        #expect(result["protocolVersion"] as? String == "2025-06-18")
        #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == "gatehouse")
        #expect((result["capabilities"] as? [String: Any])?["tools"] != nil)

        let list = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: MCPRequests.bearer(token))
        let tools = try #require((list.json?["result"] as? [String: Any])?["tools"] as? [[String: Any]])
        #expect(Set(tools.compactMap { $0["name"] as? String }) == ["echo", "timestamp", "whoami"])
        let echoSchema = try #require(tools.first { $0["name"] as? String == "echo" }?["inputSchema"] as? [String: Any])
        #expect(echoSchema["required"] as? [String] == ["message"])

        let call = try await client.postJSON(
            worker.mcpURL, MCPRequests.callTool("echo", arguments: ["message": "hello gatehouse"], id: 7), headers: MCPRequests.bearer(token))
        #expect(call.status == 200)
        #expect(call.json?["id"] as? Int == 7)
        let content = try #require((call.json?["result"] as? [String: Any])?["content"] as? [[String: Any]])
        #expect(content.first?["text"] as? String == "hello gatehouse")
    }

    @Test func unsupportedProtocolVersionIsNegotiatedDownInInitializeButRefusedInHeader() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()

        let old = try await client.postJSON(worker.mcpURL, MCPRequests.initialize(protocolVersion: "2023-01-01"), headers: MCPRequests.bearer(token))
        #expect((old.json?["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-11-25")

        var headers = MCPRequests.bearer(token)
        headers["MCP-Protocol-Version"] = "1999-01-01"
        let refused = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: headers)
        #expect(refused.status == 400)
        headers["MCP-Protocol-Version"] = "2025-11-25"
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: headers).status == 200)
    }

    @Test func transportRulesOfStreamableHTTP() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_ALLOWED_ORIGINS": "https://app.example.test"])
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()
        let bearer = MCPRequests.bearer(token)

        // GET (no server-initiated stream) and DELETE (no sessions): 405 with Allow.
        let get = try await client.send("GET", worker.mcpURL, headers: bearer)
        #expect(get.status == 405)
        #expect(get.header("allow") == "POST")
        #expect(try await client.send("DELETE", worker.mcpURL, headers: bearer).status == 405)

        // Origin: absent passes, allowed passes, anything else is refused before authentication.
        var foreign = bearer
        foreign["Origin"] = "https://evil.example.test"
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: foreign).status == 403)
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: ["Origin": "https://evil.example.test"]).status == 403)
        var allowed = bearer
        allowed["Origin"] = "https://app.example.test"
        let fromBrowser = try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: allowed)
        #expect(fromBrowser.status == 200)
        #expect(fromBrowser.header("access-control-allow-origin") == "https://app.example.test")
        #expect(fromBrowser.header("access-control-expose-headers")?.contains("WWW-Authenticate") == true)
        let preflight = try await client.send("OPTIONS", worker.mcpURL, headers: [
            "Origin": "https://app.example.test", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        ])
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-headers")?.contains("Authorization") == true)
        #expect(try await client.send("OPTIONS", worker.mcpURL, headers: ["Origin": "https://evil.example.test"]).status == 403)

        // Accept and Content-Type.
        var textOnly = bearer
        textOnly["Accept"] = "text/html"
        #expect(try await client.postJSON(worker.mcpURL, MCPRequests.listTools(), headers: textOnly).status == 406)
        let form = try await client.send("POST", worker.mcpURL, headers: bearer.merging(["Content-Type": "text/plain"]) { $1 },
                                         body: Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8))
        #expect(form.status == 415)

        // Notifications and client responses: 202, no body.
        let notification = try await client.postJSON(
            worker.mcpURL, ["jsonrpc": "2.0", "method": "notifications/initialized"], headers: bearer)
        #expect(notification.status == 202)
        #expect(notification.body.isEmpty)
    }

    @Test func jsonRPCErrors() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token()
        var headers = MCPRequests.bearer(token)
        headers["Content-Type"] = "application/json"

        func post(_ body: String) async throws -> TestResponse {
            try await client.send("POST", worker.mcpURL, headers: headers, body: Data(body.utf8))
        }
        func errorCode(_ response: TestResponse) -> Int? {
            (response.json?["error"] as? [String: Any])?["code"] as? Int
        }

        let parse = try await post("{not json")
        #expect(parse.status == 400)
        #expect(errorCode(parse) == -32700)
        #expect(parse.json?["id"] is NSNull)

        let invalid = try await post(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)
        #expect(invalid.status == 400)
        #expect(errorCode(invalid) == -32600)
        #expect(errorCode(try await post(#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)) == -32600)
        #expect(errorCode(try await post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)) == -32600)

        let unknownMethod = try await post(#"{"jsonrpc":"2.0","id":"a","method":"resources/list"}"#)
        #expect(unknownMethod.status == 200)
        #expect(errorCode(unknownMethod) == -32601)
        #expect(unknownMethod.json?["id"] as? String == "a")

        let unknownTool = try await post(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope"}}"#)
        #expect(errorCode(unknownTool) == -32602)

        let missingArgument = try await post(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{}}}"#)
        #expect(errorCode(missingArgument) == -32602)
        #expect(((missingArgument.json?["error"] as? [String: Any])?["message"] as? String)?.contains("message") == true)
        let wrongType = try await post(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":5}}}"#)
        #expect(errorCode(wrongType) == -32602)
        let tooLong = try await post(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":""# + String(repeating: "x", count: 5000) + #""}}}"#)
        #expect(errorCode(tooLong) == -32602)

        let ping = try await post(#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#)
        #expect((ping.json?["result"] as? [String: Any])?.isEmpty == true)
    }

    @Test func whoamiAndTimestamp() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let token = try await idp.token(scope: "mcp:read mcp:write")

        let whoami = try await client.postJSON(worker.mcpURL, MCPRequests.callTool("whoami"), headers: MCPRequests.bearer(token))
        let structured = try #require((whoami.json?["result"] as? [String: Any])?["structuredContent"] as? [String: Any])
        #expect(structured["client_id"] as? String == "mcp-client")
        #expect(Set(structured["scopes"] as? [String] ?? []).isSuperset(of: ["mcp:read", "mcp:write"]))
        #expect(structured["worker_pid"] as? Int == Int(worker.process.pid))

        let timestamp = try await client.postJSON(worker.mcpURL, MCPRequests.callTool("timestamp"), headers: MCPRequests.bearer(token))
        let time = try #require((timestamp.json?["result"] as? [String: Any])?["structuredContent"] as? [String: Any])
        let unix = try #require(time["unix"] as? Int)
        #expect(abs(unix - Int(Date().timeIntervalSince1970)) < 60)
        let rfc3339 = try #require(time["rfc3339"] as? String)
        #expect(rfc3339.hasSuffix("Z"))
    }
}
