import Foundation
import MCP

/// The steps every tool call takes, whichever protocol carried it: find the tool, check the
/// scope, validate the arguments, run. MCP and REST differ only in how they report each outcome.
struct ToolInvoker: Sendable {
    enum Outcome: Sendable {
        case unknownTool
        case insufficientScope(String)
        case invalidArguments(ToolArgumentError)
        case ran(ToolOutcome)
    }

    var tools: ToolRegistry
    var processID: Int32

    func call(_ name: String, arguments: [String: Value], token: AccessToken) -> Outcome {
        guard let tool = tools[name] else { return .unknownTool }
        guard token.grants(tool.requiredScope) else { return .insufficientScope(tool.requiredScope) }
        if let problem = tool.inputSchema.validate(arguments) { return .invalidArguments(problem) }
        return .ran(tool.invoke(arguments, context: ToolCallContext(token: token, processID: processID, now: Date())))
    }
}
