import MCP

/// What a tool call came to, whichever route carried it. Each route has a small renderer
/// that turns this into its own answer (REST, legacy MCP, modern MCP).
enum ToolCallResult: Sendable {
    /// The tool ran; its result may still report a failure the model should read (`isError`).
    case completed(CallTool.Result)
    case unknownTool(String)
    /// A valid token without the tool's scope: the step-up challenge.
    case needsScope(AuthRefusal)
    case invalidArguments(ToolArgumentError)
    /// A service the tool needs is down; worth retrying.
    case unavailable(String)
}
