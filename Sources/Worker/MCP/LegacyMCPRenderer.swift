import MCP

/// MCP 2025-03-26 to 2025-11-25, as Gatehouse has answered it from the start: JSON-RPC errors
/// in a 200 (but a message that is not JSON-RPC at all gets 400), invalid tool arguments as
/// `-32602`.
struct LegacyMCPRenderer: MCPRenderer {
    func result(_ result: [String: Value], id: ID) -> HTTPResponse {
        .json(.ok, JSONRPCWriter.result(.object(result), id: id))
    }

    func error(_ error: JSONRPCError, id: ID?) -> HTTPResponse {
        let unreadable = error.code == JSONRPCError.parseErrorCode || error.code == JSONRPCError.invalidRequestCode
        return .jsonRPC(error, id: id, status: unreadable ? .badRequest : .ok)
    }

    func toolCall(_ result: ToolCallResult, id: ID) -> HTTPResponse {
        switch result {
        case .completed(let result):
            let body = ToolReplyJSON.encode(result, id: id) ?? JSONRPCWriter.result(result.jsonValue, id: id)
            return .json(.ok, body)
        case .unknownTool(let name):
            return error(.invalidParams("Unknown tool: '\(name.prefix(64))'"), id: id)
        case .invalidArguments(let problem):
            return error(.invalidParams(problem.message), id: id)
        case .needsScope(let refusal):
            return .jsonRPC(refusal, id: id)
        case .unavailable(let message):
            // A tool's failure is the model's to read, as a result, not a protocol error.
            return toolCall(.completed(.toolError(message)), id: id)
        }
    }
}
