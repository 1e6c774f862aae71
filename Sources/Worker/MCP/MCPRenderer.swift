import Foundation
import MCP
import NIOHTTP1

/// How one era of MCP answers over HTTP: results, errors and the outcome of a tool call.
/// The dispatcher decides what to answer; a renderer only writes it. A new era is a new renderer.
protocol MCPRenderer: Sendable {
    func result(_ result: [String: Value], id: ID) -> HTTPResponse
    func error(_ error: JSONRPCError, id: ID?) -> HTTPResponse
    func toolCall(_ result: ToolCallResult, id: ID) -> HTTPResponse
}

extension HTTPResponse {
    /// A refusal on `/mcp`: the route's challenge headers, and a JSON-RPC error an SDK client
    /// shows to its user (the SDKs surface a non-2xx answer only when it is one).
    static func jsonRPC(_ refusal: AuthRefusal, id: ID?) -> HTTPResponse {
        var response = HTTPResponse.json(refusal.status, JSONRPCWriter.error(.refused(refusal), id: id), headers: refusal.headers)
        response.principal = refusal.principal
        return response
    }

    static func jsonRPC(_ error: JSONRPCError, id: ID?, status: HTTPResponseStatus) -> HTTPResponse {
        .json(status, JSONRPCWriter.error(error, id: id))
    }
}

extension CallTool.Result {
    /// The result as a JSON value, for the rare result the direct writer does not cover.
    var jsonValue: Value {
        guard let bytes = try? JSONCoding.encode(self),
            case .object(let members)? = PlainJSONValue.decode(bytes)
        else { return ["content": [], "isError": true] }
        return .object(members)
    }
}
