import MCP

/// Returns its `message`: the smallest round trip through authentication and dispatch.
struct EchoTool: SynchronousTool {
    let name = "echo"
    let title = "Echo a message"
    let description = "Returns the given message unchanged. Use it to check that the connection and the access token work."
    let requiredScope = "mcp:read"
    let inputSchema = ToolInputSchema(properties: [
        .init(name: "message", type: .string, description: "The text to send back (at most 4096 characters).",
              required: true, maxLength: 4096),
    ])
    let outputSchema = JSONSchema.object(["message": JSONSchema.string(description: "The message, unchanged.")])

    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result {
        let message = arguments["message"]?.stringValue ?? ""
        return CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], structuredContent: ["message": .string(message)] as Value?)
    }
}
