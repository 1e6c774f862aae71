import MCP

/// The body of a successful `POST /tools/{name}`: the MCP tool result with `isError` always present.
struct RESTToolResult: Encodable, Sendable {
    var content: [Tool.Content]
    var structuredContent: Value?
    var isError: Bool

    init(_ result: CallTool.Result) {
        content = result.content
        structuredContent = result.structuredContent
        isError = result.isError ?? false
    }
}
