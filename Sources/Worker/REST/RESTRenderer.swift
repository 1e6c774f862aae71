import MCP

/// A tool call's outcome as REST answers it: the MCP result with `isError` always present,
/// or an HTTP error with an OAuth-style JSON body.
enum RESTRenderer {
    static func render(_ result: ToolCallResult) -> HTTPResponse {
        switch result {
        case .completed(let result):
            return .json(.ok, encoding: RESTToolResult(result))
        case .unknownTool:
            return .error(.notFound, code: "unknown_tool", description: "No such tool; GET /tools lists yours")
        case .needsScope(let refusal):
            return refusal.oauthResponse
        case .invalidArguments(let problem):
            return .json(.unprocessableEntity, encoding: InvalidArgumentsBody(errorDescription: problem.message, pointer: problem.pointer))
        case .unavailable(let message):
            return .error(.serviceUnavailable, code: "temporarily_unavailable", description: message, headers: ["Retry-After": "1"])
        }
    }

    /// Why a body cannot be read as arguments.
    static func render(_ problem: ToolArguments.Problem) -> HTTPResponse {
        switch problem {
        case .malformed:
            .error(.badRequest, code: "invalid_json", description: "The body is not valid JSON")
        case .notAnObject:
            .json(.unprocessableEntity, encoding: InvalidArgumentsBody(errorDescription: "The arguments must be a JSON object", pointer: ""))
        }
    }
}
