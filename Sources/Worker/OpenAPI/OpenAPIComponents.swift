import MCP

/// The reusable parts of the OpenAPI document: schemas, error responses, the OAuth 2 scheme.
enum OpenAPIComponents {
    static func reference(_ kind: String, _ name: String) -> Value {
        ["$ref": .string("#/components/\(kind)/\(name)")]
    }

    static func jsonContent(_ schema: Value) -> Value {
        ["application/json": ["schema": schema]]
    }

    static func response(_ description: String, schema: Value, headers: Value? = nil) -> Value {
        var response: [String: Value] = ["description": .string(description), "content": jsonContent(schema)]
        if let headers { response["headers"] = headers }
        return .object(response)
    }

    /// The OAuth 2 flows an MCP client or a REST client can use with the issuer, with the scopes
    /// the served tools require, each described by the tools it lets a token call.
    static func securitySchemes(endpoints: AuthorizationServerEndpoints, tools: ToolRegistry) -> Value {
        var scopeMap: [String: Value] = [:]
        for scope in tools.scopes {
            let names = tools.ordered.filter { $0.requiredScope == scope }.map(\.name)
            scopeMap[scope] = .string("Call the tools \(names.joined(separator: ", ")).")
        }
        return [
            "oauth2": [
                "type": "oauth2",
                "description": """
                    Access tokens (JWT) from the authorization server, sent as `Authorization: Bearer <token>`. \
                    The authorization code flow requires PKCE with S256 (OAuth 2.1); request the resource with \
                    the `resource` parameter (RFC 8707). Services use the client credentials flow.
                    """,
                "flows": [
                    "clientCredentials": ["tokenUrl": .string(endpoints.tokenURL), "scopes": .object(scopeMap)],
                    "authorizationCode": [
                        "authorizationUrl": .string(endpoints.authorizationURL), "tokenUrl": .string(endpoints.tokenURL),
                        "scopes": .object(scopeMap),
                    ],
                ],
            ],
        ]
    }

    static let schemas: Value = [
        "Error": [
            "type": "object",
            "required": ["error", "error_description"],
            "properties": [
                "error": ["type": "string", "description": "A stable error code."],
                "error_description": ["type": "string", "description": "What went wrong, for people."],
            ],
        ],
        "InvalidArguments": [
            "type": "object",
            "required": ["error", "error_description", "pointer"],
            "properties": [
                "error": ["type": "string", "const": "invalid_arguments"],
                "error_description": ["type": "string"],
                "pointer": ["type": "string", "description": "RFC 6901 JSON pointer to the offending member of the arguments (\"\" for the whole body)."],
            ],
        ],
        "JSONRPCError": [
            "type": "object",
            "required": ["jsonrpc", "id", "error"],
            "properties": [
                "jsonrpc": ["const": "2.0"],
                "id": ["type": ["string", "integer", "null"], "description": "The request's id; null when it was not read (a refusal before the body)."],
                "error": [
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": [
                        "code": ["type": "integer", "description": "JSON-RPC and MCP codes (-32700 to -32600, -32020, -32022); 401, 403 and 503 for refusals."],
                        "message": ["type": "string", "description": "The cause, for people: e.g. `Unauthorized: the access token expired`."],
                        "data": ["description": "For -32022, the supported and the requested versions."],
                    ],
                ],
            ],
        ],
        "TextContent": [
            "type": "object",
            "required": ["type", "text"],
            "properties": [
                "type": ["type": "string", "const": "text"],
                "text": ["type": "string"],
            ],
        ],
        "ToolDescription": [
            "type": "object",
            "required": ["name", "title", "description", "inputSchema", "outputSchema", "requiredScope"],
            "properties": [
                "name": ["type": "string"],
                "title": ["type": "string"],
                "description": ["type": "string"],
                "inputSchema": ["type": "object", "description": "JSON Schema 2020-12 of the arguments."],
                "outputSchema": ["type": "object", "description": "JSON Schema 2020-12 of structuredContent."],
                "requiredScope": ["type": "string"],
            ],
        ],
        "ToolList": [
            "type": "object",
            "required": ["tools"],
            "properties": ["tools": ["type": "array", "items": ["$ref": "#/components/schemas/ToolDescription"]]],
        ],
    ]

    /// The result shape of every tool call; `structuredContent` follows the tool's output schema
    /// when the call succeeded (`isError` false).
    static func toolResult(structuredContent: Value) -> Value {
        [
            "type": "object",
            "required": ["content", "isError"],
            "properties": [
                "content": ["type": "array", "items": reference("schemas", "TextContent")],
                "structuredContent": structuredContent,
                "isError": ["type": "boolean", "description": "True when the tool reports a failure (content says why)."],
            ],
        ]
    }

    private static let challengeHeader: Value = [
        "WWW-Authenticate": [
            "description": "RFC 6750 Bearer challenge with resource_metadata (RFC 9728); for 403, error=\"insufficient_scope\" and the scope to request.",
            "required": true,
            "schema": ["type": "string"],
        ],
    ]

    static var responses: Value {
        let error = reference("schemas", "Error")
        let jsonRPCError = reference("schemas", "JSONRPCError")
        return [
            "BadRequest": response("Malformed request (bad JSON, a token in the query, a malformed Authorization header).", schema: error),
            "Unauthorized": response("No access token, or an invalid or expired one.", schema: error, headers: challengeHeader),
            "Forbidden": response("The token lacks the scope this operation needs: request it (step-up).", schema: error, headers: challengeHeader),
            "NotFound": response("No such tool.", schema: error),
            "PayloadTooLarge": response("The body exceeds the server's limit.", schema: error),
            "UnsupportedMediaType": response("The body is not application/json.", schema: error),
            "UnprocessableEntity": response("The arguments do not match the tool's input schema.", schema: reference("schemas", "InvalidArguments")),
            "ServiceUnavailable": response("Token validation or a service the tool needs is temporarily unavailable; retry.", schema: error),
            "MCPBadRequest": response(
                "A message that is not JSON-RPC, or (2026-07-28) missing _meta keys, headers that disagree with the body, an unsupported version.",
                schema: jsonRPCError),
            "MCPUnauthorized": response("No access token, or an invalid or expired one; the body is a JSON-RPC error naming the cause.",
                                        schema: jsonRPCError, headers: challengeHeader),
            "MCPForbidden": response("The token lacks the tool's scope (step-up), or the Origin is not allowed.", schema: jsonRPCError, headers: challengeHeader),
            "MCPMethodNotFound": response("2026-07-28: the method is not one this server implements (-32601).", schema: jsonRPCError),
        ]
    }
}
