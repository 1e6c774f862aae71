import Foundation
import MCP
import NIOCore

/// The steps every tool call takes, whichever route carried it: find the tool, check the
/// caller's scope (before the arguments are even decoded), validate the arguments, run. The
/// routes differ only in how they render the `ToolCallResult`.
struct ToolInvoker: Sendable {
    var tools: ToolRegistry
    var challenge: AuthChallenge
    var processID: Int32
    var metrics: WorkerMetrics?

    /// The tool the caller may call, or why not (unknown, or the scope it lacks; the denial is logged).
    func authorize(_ name: String, caller: AccessToken, context: RequestContext) -> Result<any ToolDefinition, ToolRefused> {
        guard let tool = tools[name] else {
            metrics?.toolCalled(name, outcome: .unknownTool)
            return .failure(ToolRefused(result: .unknownTool(name)))
        }
        guard caller.grants(tool.requiredScope) else {
            AuthorizationDenial.log(scope: tool.requiredScope, token: caller, context: context)
            metrics?.scopeDenied(tool: name)
            let refusal = challenge.insufficientScope(required: [tool.requiredScope], principal: caller.principal, tool: name)
            return .failure(ToolRefused(result: .needsScope(refusal)))
        }
        return .success(tool)
    }

    /// Validates the arguments against the tool's schema and runs it.
    func run(_ tool: any ToolDefinition, arguments: [String: Value], caller: AccessToken) -> Eventually<ToolCallResult> {
        let counted = counting(tool.name)
        if let problem = tool.inputSchema.validate(arguments) { return .now(counted(.invalidArguments(problem))) }
        switch tool.invoke(arguments, context: ToolCallContext(token: caller, processID: processID, now: Date())) {
        case .completed(let result):
            return .now(counted(.completed(result)))
        case .deferred(let start):
            return .later { eventLoop in
                start(eventLoop).map { ToolCallResult.completed($0) }.recover { error in
                    .unavailable((error as? ToolUnavailable)?.message ?? "The tool failed")
                }.map(counted)
            }
        }
    }

    /// Passes a result through, counting its outcome for `tool`.
    private func counting(_ tool: String) -> @Sendable (ToolCallResult) -> ToolCallResult {
        let metrics = self.metrics
        return { result in
            switch result {
            case .completed(let value): metrics?.toolCalled(tool, outcome: value.isError == true ? .toolError : .success)
            case .invalidArguments: metrics?.toolCalled(tool, outcome: .invalidArguments)
            case .unavailable: metrics?.toolCalled(tool, outcome: .unavailable)
            case .unknownTool, .needsScope: break
            }
            return result
        }
    }

    /// Both steps, for arguments decoded already (MCP reads them with the message).
    func call(_ name: String, arguments: [String: Value], caller: AccessToken, context: RequestContext) -> Eventually<ToolCallResult> {
        switch authorize(name, caller: caller, context: context) {
        case .failure(let refused): .now(refused.result)
        case .success(let tool): run(tool, arguments: arguments, caller: caller)
        }
    }
}

/// A call stopped before its arguments mattered.
struct ToolRefused: Error, Sendable {
    var result: ToolCallResult
}
