import MCP

/// Who the server thinks the caller is, and which worker process answered.
struct WhoamiTool: SynchronousTool {
    let name = "whoami"
    let title = "Who am I"
    let description = "Returns the caller's subject, client id and granted scopes as the server sees them, and the process id of the worker that answered."
    let requiredScope = "mcp:read"
    let inputSchema = ToolInputSchema.empty
    let outputSchema = JSONSchema.object([
        "subject": JSONSchema.nullable(JSONSchema.string(description: "The token's `sub`, or null when it has none.")),
        "client_id": JSONSchema.nullable(JSONSchema.string(description: "The client the token was issued to (`azp` or `client_id`), or null.")),
        "scopes": JSONSchema.array(of: JSONSchema.string(description: "A granted scope."), description: "The token's scopes, sorted."),
        "worker_pid": JSONSchema.integer(description: "Process id of the worker that answered."),
    ])

    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result {
        let token = context.token
        let scopes = token.scopes.sorted()
        let structured: Value = [
            "subject": token.subject.map(Value.string) ?? .null,
            "client_id": token.clientID.map(Value.string) ?? .null,
            "scopes": .array(scopes.map(Value.string)),
            "worker_pid": .int(Int(context.processID)),
        ]
        let summary = "subject=\(token.subject ?? "-") client_id=\(token.clientID ?? "-") scopes=\(scopes.joined(separator: " ")) worker_pid=\(context.processID)"
        return CallTool.Result(content: [.text(text: summary, annotations: nil, _meta: nil)], structuredContent: structured as Value?)
    }
}
