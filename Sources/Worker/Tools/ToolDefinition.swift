import Foundation
import MCP

/// What a tool call may know about its caller and the worker.
struct ToolCallContext: Sendable {
    var token: AccessToken
    var processID: Int32
    var now: Date
}

/// One tool: what it is called, what it takes and gives, which scope it needs, and what it does.
protocol ToolDefinition: Sendable {
    var name: String { get }
    /// A short human-readable name, for a client's user interface.
    var title: String { get }
    var description: String { get }
    var inputSchema: ToolInputSchema { get }
    /// JSON Schema of `structuredContent` in a successful result.
    var outputSchema: Value { get }
    var requiredScope: String { get }
    /// What the tool does to the world, truthfully: clients decide on confirmations from it.
    var annotations: Tool.Annotations { get }

    /// Runs with arguments already validated against `inputSchema`.
    func invoke(_ arguments: [String: Value], context: ToolCallContext) -> ToolOutcome
}

/// A tool that computes its result on the spot, on the event loop (no hop, no allocation of a future).
protocol SynchronousTool: ToolDefinition {
    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result
}

extension SynchronousTool {
    func invoke(_ arguments: [String: Value], context: ToolCallContext) -> ToolOutcome {
        do {
            return .completed(try call(arguments, context: context))
        } catch {
            return .completed(.toolError("The tool failed"))
        }
    }
}

extension ToolDefinition {
    /// Reads only, touches nothing outside this server.
    var annotations: Tool.Annotations { Tool.Annotations(readOnlyHint: true, openWorldHint: false) }

    /// The MCP description of the tool, as `tools/list` returns it in every era.
    var descriptor: Value {
        var hints: [String: Value] = [:]
        if let value = annotations.readOnlyHint { hints["readOnlyHint"] = .bool(value) }
        if let value = annotations.destructiveHint { hints["destructiveHint"] = .bool(value) }
        if let value = annotations.idempotentHint { hints["idempotentHint"] = .bool(value) }
        if let value = annotations.openWorldHint { hints["openWorldHint"] = .bool(value) }
        return [
            "name": .string(name), "title": .string(title), "description": .string(description),
            "inputSchema": inputSchema.jsonSchema, "outputSchema": outputSchema, "annotations": .object(hints),
            "_meta": ["gatehouse/requiredScope": .string(requiredScope)],
        ]
    }
}

extension CallTool.Result {
    /// A result with text and the same content as structured data.
    static func structured(_ text: String, _ structured: Value) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: structured as Value?)
    }

    /// A failure the model should read (MCP reports tool failures as results, not protocol errors).
    static func toolError(_ message: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
    }
}
