import Foundation
import MCP

/// The server's clock, as RFC 3339 and as Unix seconds.
struct TimestampTool: SynchronousTool {
    let name = "timestamp"
    let title = "Server time"
    let description = "Returns the server's current time as an RFC 3339 UTC timestamp and as Unix seconds."
    let requiredScope = "mcp:read"
    let inputSchema = ToolInputSchema.empty
    let outputSchema = JSONSchema.object([
        "rfc3339": JSONSchema.string(description: "The time as RFC 3339, UTC, e.g. 2026-01-31T12:00:00Z."),
        "unix": JSONSchema.integer(description: "Seconds since the Unix epoch."),
    ])

    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result {
        let seconds = Int(context.now.timeIntervalSince1970)
        let rfc3339 = context.now.formatted(.iso8601)
        return CallTool.Result(
            content: [.text(text: "\(rfc3339) (\(seconds))", annotations: nil, _meta: nil)],
            structuredContent: ["rfc3339": .string(rfc3339), "unix": .int(seconds)] as Value?)
    }
}
