import Common
import MCP

/// The OpenAPI 3.1 description of everything a worker serves: the REST tool API (one path per
/// tool, with its schemas and scope), `/mcp`, the metadata and health endpoints.
struct OpenAPIDocument: Sendable {
    var configuration: GatehouseConfiguration
    var tools: ToolRegistry

    func build(endpoints: AuthorizationServerEndpoints) -> Value {
        var paths: [String: Value] = [
            "/tools": ["get": listTools],
            "/tools/{name}": ["post": callAnyTool],
            "/openapi.json": ["get": publicJSON("This document.", summary: "OpenAPI document", schema: ["type": "object"])],
            "/healthz": ["get": publicJSON("The process answers.", summary: "Liveness", schema: Self.statusSchema)],
            "/readyz": ["get": readiness],
        ]
        for tool in tools.ordered {
            paths["/tools/\(tool.name)"] = ["post": call(tool)]
        }
        paths["/mcp"] = ["post": mcp]
        if !configuration.resourcePath.isEmpty && configuration.resourcePath != "/mcp" {
            paths[configuration.resourcePath] = ["post": mcp]
        }
        paths[configuration.protectedResourceMetadataPath] = ["get": publicJSON(
            "RFC 9728 protected resource metadata: where to get tokens for this server.",
            summary: "Protected resource metadata", schema: Self.metadataSchema)]
        return [
            "openapi": "3.1.0",
            "info": [
                "title": .string(configuration.resourceName),
                "version": .string(GatehouseVersion.current),
                "description": """
                    Tools behind OAuth 2.1: call them over MCP (Streamable HTTP at /mcp) or as plain JSON over \
                    HTTP (POST /tools/{name}). Every tool needs a scope; a token without it gets 403 with a \
                    WWW-Authenticate challenge naming the scope to request.
                    """,
            ],
            "servers": [["url": .string(configuration.publicOrigin)]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": OpenAPIComponents.securitySchemes(endpoints: endpoints, tools: tools),
                "schemas": OpenAPIComponents.schemas,
                "responses": OpenAPIComponents.responses,
            ],
        ]
    }

    // MARK: - Operations

    private var listTools: Value {
        [
            "operationId": "listTools",
            "summary": "The tools your token's scopes allow",
            "description": "Each tool's name, description, input and output JSON Schemas and required scope.",
            "security": [["oauth2": []]],
            "responses": responses(
                ["200": OpenAPIComponents.response("The tools you may call.", schema: OpenAPIComponents.reference("schemas", "ToolList"))],
                errors: ["400": "BadRequest", "401": "Unauthorized", "503": "ServiceUnavailable"]),
        ]
    }

    private func call(_ tool: any ToolDefinition) -> Value {
        let required = tool.inputSchema.properties.contains(where: \.required)
        return [
            "operationId": .string("call_\(tool.name)"),
            "summary": .string("Call \(tool.name) (scope \(tool.requiredScope))"),
            "description": .string(tool.description),
            "security": [["oauth2": [.string(tool.requiredScope)]]],
            "x-required-scope": .string(tool.requiredScope),
            "requestBody": [
                "required": .bool(required),
                "description": "The tool's arguments as a JSON object; may be omitted when no argument is required.",
                "content": OpenAPIComponents.jsonContent(tool.inputSchema.jsonSchema),
            ],
            "responses": responses(
                ["200": OpenAPIComponents.response(
                    "The tool's result (a failure the tool reports has isError true).",
                    schema: OpenAPIComponents.toolResult(structuredContent: tool.outputSchema))],
                errors: toolErrors),
        ]
    }

    private var callAnyTool: Value {
        [
            "operationId": "callTool",
            "summary": "Call a tool by name",
            "description": "The generic form of the per-tool paths: the tool's own path documents its schemas and scope.",
            "security": [["oauth2": []]],
            "parameters": [[
                "name": "name", "in": "path", "required": true, "description": "The tool's name (GET /tools lists them).",
                "schema": ["type": "string", "enum": .array(tools.ordered.map { .string($0.name) })],
            ]],
            "requestBody": [
                "required": false,
                "content": OpenAPIComponents.jsonContent(["type": "object"]),
            ],
            "responses": responses(
                ["200": OpenAPIComponents.response(
                    "The tool's result.", schema: OpenAPIComponents.toolResult(structuredContent: ["type": "object"]))],
                errors: toolErrors.merging(["404": "NotFound"]) { $1 }),
        ]
    }

    private var toolErrors: [String: String] {
        [
            "400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "413": "PayloadTooLarge",
            "415": "UnsupportedMediaType", "422": "UnprocessableEntity", "503": "ServiceUnavailable",
        ]
    }

    private var mcp: Value {
        [
            "operationId": "mcp",
            "summary": "MCP Streamable HTTP (stateless, JSON responses; 2026-07-28 and 2025 revisions)",
            "description": """
                JSON-RPC 2.0 messages. With MCP-Protocol-Version 2026-07-28 (or the protocol version in params._meta):                 server/discover, tools/list, tools/call, with Mcp-Method (and Mcp-Name for tools/call) mirroring the body.                 Otherwise the 2025 revisions: initialize, ping, tools/list, tools/call. tools/call needs the tool's scope                 (see the per-tool paths); without it the answer is HTTP 403 with the step-up challenge. Every error on                 this path is a JSON-RPC error.
                """,
            "security": [["oauth2": []]],
            "parameters": [
                Self.header("MCP-Protocol-Version", "2026-07-28, or a 2025 revision (2025-03-26 when absent)."),
                Self.header("Mcp-Method", "2026-07-28: the body's method."),
                Self.header("Mcp-Name", "2026-07-28, tools/call: the tool's name (or =?base64?…?=)."),
            ],
            "requestBody": [
                "required": true,
                "content": OpenAPIComponents.jsonContent([
                    "type": "object",
                    "required": ["jsonrpc"],
                    "properties": [
                        "jsonrpc": ["const": "2.0"],
                        "id": ["type": ["string", "integer"]],
                        "method": ["type": "string"],
                        "params": ["type": "object"],
                    ],
                ]),
            ],
            "responses": responses(
                [
                    "200": OpenAPIComponents.response("A JSON-RPC response (result or error).", schema: ["type": "object"]),
                    "202": ["description": "A notification was accepted."],
                    "405": OpenAPIComponents.response("Only POST: no GET stream, no sessions.", schema: OpenAPIComponents.reference("schemas", "JSONRPCError")),
                    "406": OpenAPIComponents.response("Accept excludes application/json.", schema: OpenAPIComponents.reference("schemas", "JSONRPCError")),
                    "415": OpenAPIComponents.response("The body is not application/json.", schema: OpenAPIComponents.reference("schemas", "JSONRPCError")),
                ],
                errors: ["400": "MCPBadRequest", "401": "MCPUnauthorized", "403": "MCPForbidden", "404": "MCPMethodNotFound",
                         "413": "PayloadTooLarge", "503": "ServiceUnavailable"]),
        ]
    }

    private static func header(_ name: String, _ description: String) -> Value {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": ["type": "string"]]
    }

    private var readiness: Value {
        [
            "operationId": "readiness",
            "summary": "Readiness",
            "description": "200 once keys are loaded (status ready or degraded), 503 while starting or draining.",
            "security": [],
            "responses": [
                "200": OpenAPIComponents.response("Serving.", schema: Self.statusSchema),
                "503": OpenAPIComponents.response("Not serving yet, or draining.", schema: Self.statusSchema),
            ],
        ]
    }

    private func publicJSON(_ description: String, summary: String, schema: Value) -> Value {
        [
            "summary": .string(summary),
            "description": .string(description),
            "security": [],
            "responses": ["200": OpenAPIComponents.response(summary, schema: schema)],
        ]
    }

    private func responses(_ successes: [String: Value], errors: [String: String]) -> Value {
        var all = successes
        for (status, name) in errors { all[status] = OpenAPIComponents.reference("responses", name) }
        return .object(all)
    }

    private static let statusSchema: Value = [
        "type": "object", "required": ["status"], "properties": ["status": ["type": "string"]],
    ]

    private static let metadataSchema: Value = [
        "type": "object",
        "required": ["resource", "authorization_servers"],
        "properties": [
            "resource": ["type": "string"],
            "authorization_servers": ["type": "array", "items": ["type": "string"]],
            "scopes_supported": ["type": "array", "items": ["type": "string"]],
            "bearer_methods_supported": ["type": "array", "items": ["type": "string"]],
            "resource_name": ["type": "string"],
            "resource_documentation": ["type": "string"],
        ],
    ]
}
