import Foundation
import MCP

/// What a tool call may know about its caller and the worker.
struct ToolCallContext: Sendable {
    var token: AccessToken
    var processID: Int32
    var now: Date
}

/// One tool: what it is called, what it takes, which scope it needs, and what it does.
protocol ToolDefinition: Sendable {
    var name: String { get }
    var description: String { get }
    var inputSchema: ToolInputSchema { get }
    var requiredScope: String { get }
    var annotations: Tool.Annotations { get }

    /// Runs with arguments already validated against `inputSchema`.
    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result
}

extension ToolDefinition {
    var annotations: Tool.Annotations { Tool.Annotations(readOnlyHint: true, openWorldHint: false) }

    /// The MCP description of the tool, as `tools/list` returns it.
    var descriptor: Tool {
        Tool(
            name: name, description: description, inputSchema: inputSchema.jsonSchema, annotations: annotations,
            _meta: Metadata(additionalFields: ["gatehouse/requiredScope": .string(requiredScope)]))
    }
}
