import Common
import MCP
import NIOHTTP1

/// MCP 2026-07-28: every result says `resultType` and names the server in `_meta`; errors
/// travel with the HTTP status the transport assigns their code; invalid tool arguments are a
/// tool execution error the model can correct (server/tools, "Error Handling").
struct ModernMCPRenderer: MCPRenderer {
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    let resultMeta: Value
    /// `resultMeta` as JSON, written into every tool call reply as it is.
    private let resultMetaJSON: [UInt8]

    init(serverInfo: Value) {
        resultMeta = [Self.serverInfoKey: serverInfo]
        var json = JSONWriter(capacity: 128)
        json.value(resultMeta)
        resultMetaJSON = json.bytes
    }

    func result(_ result: [String: Value], id: ID) -> HTTPResponse {
        var result = result
        result["resultType"] = "complete"
        result["_meta"] = resultMeta
        return .json(.ok, JSONRPCWriter.result(.object(result), id: id))
    }

    func error(_ error: JSONRPCError, id: ID?) -> HTTPResponse {
        .jsonRPC(error, id: id, status: Self.status(of: error.code))
    }

    func toolCall(_ result: ToolCallResult, id: ID) -> HTTPResponse {
        switch result {
        case .completed(let result):
            if let body = ToolReplyJSON.encode(result, id: id, resultMeta: resultMetaJSON) { return .json(.ok, body) }
            guard case .object(let members) = result.jsonValue else { return error(.init(code: JSONRPCError.internalErrorCode, message: "Internal error"), id: id) }
            return self.result(members, id: id)
        case .unknownTool(let name):
            return error(.invalidParams("Unknown tool: '\(name.prefix(64))'"), id: id)
        case .invalidArguments(let problem):
            return toolCall(.completed(.toolError(problem.message)), id: id)
        case .needsScope(let refusal):
            return .jsonRPC(refusal, id: id)
        case .unavailable(let message):
            return toolCall(.completed(.toolError(message)), id: id)
        }
    }

    /// Streamable HTTP (2026-07-28): malformed requests, mismatched headers and unsupported
    /// versions are 400, an unknown method 404.
    static func status(of code: Int) -> HTTPResponseStatus {
        switch code {
        case JSONRPCError.methodNotFoundCode: .notFound
        case JSONRPCError.internalErrorCode: .internalServerError
        case JSONRPCError.parseErrorCode, JSONRPCError.invalidRequestCode, JSONRPCError.invalidParamsCode,
             JSONRPCError.headerMismatchCode, JSONRPCError.unsupportedProtocolVersionCode: .badRequest
        default: .ok
        }
    }
}
