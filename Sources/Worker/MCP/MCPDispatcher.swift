import Foundation
import MCP
import NIOCore

/// Answers one JSON-RPC message for an authenticated caller, statelessly.
struct MCPDispatcher: Sendable {
    enum Outcome: Sendable {
        /// A JSON body to send with 200 (results and JSON-RPC errors alike).
        case reply([UInt8])
        /// A notification or a client response: 202 with no body.
        case accepted
        /// The message could not be read as JSON-RPC: 400 with this JSON-RPC error body.
        case rejected([UInt8])
        /// The caller's token lacks a scope this call needs: the HTTP step-up challenge.
        case insufficientScope(String)
        /// A reply (200) that needs work off the event loop first; started on the given loop.
        case deferred(@Sendable (any EventLoop) -> EventLoopFuture<[UInt8]>)
    }

    var tools: ToolRegistry
    var serverInfo: Server.Info
    var instructions: String
    var processID: Int32
    /// `tools/list` shows every tool (each with its scope in `_meta`), not only the caller's.
    var listsAllTools = false
    /// Shared by every message: its settings never change.
    let decoder = JSONDecoder()

    func handle(_ body: ByteBufferView, token: AccessToken) -> Outcome {
        let bytes = Data(body)
        let envelope: JSONRPCEnvelope
        do {
            envelope = try decoder.decode(JSONRPCEnvelope.self, from: bytes)
        } catch {
            if (try? JSONSerialization.jsonObject(with: bytes)) is [Any] {
                return .rejected(encode(.failure(id: nil, .invalidRequest("Batch requests are not supported"))))
            }
            let isJSON = (try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])) != nil
            return .rejected(encode(.failure(id: nil, isJSON
                ? .invalidRequest("A JSON-RPC message must be a JSON object")
                : .parseError("The body is not valid JSON"))))
        }

        switch envelope.kind {
        case .invalid(let reason):
            return .rejected(encode(.failure(id: nil, .invalidRequest(reason))))
        case .notification, .response:
            return .accepted
        case .request(let id, let method):
            return dispatch(method: method, id: id, envelope: envelope, bytes: bytes, token: token)
        }
    }

    private func dispatch(method: String, id: ID, envelope: JSONRPCEnvelope, bytes: Data, token: AccessToken) -> Outcome {
        switch method {
        case Initialize.name:
            guard let request = try? decoder.decode(Request<Initialize>.self, from: bytes) else {
                return .reply(encode(.failure(id: id, .invalidParams("initialize params are malformed"))))
            }
            let result = Initialize.Result(
                protocolVersion: MCPProtocolVersion.negotiate(request.params.protocolVersion),
                capabilities: Server.Capabilities(tools: .init(listChanged: false)),
                serverInfo: serverInfo,
                instructions: instructions)
            return .reply(encode(JSONRPCReply(id: id, outcome: .success(result))))

        case Ping.name:
            return .reply(encode(JSONRPCReply(id: id, outcome: .success(Empty()))))

        case ListTools.name:
            let listed = (listsAllTools ? tools.ordered : tools.allowed(for: token)).map(\.descriptor)
            return .reply(encode(JSONRPCReply(id: id, outcome: .success(ListTools.Result(tools: listed)))))

        case CallTool.name:
            guard let call = envelope.toolCall else {
                return .reply(encode(.failure(id: id, .invalidParams("tools/call needs a tool name and object arguments"))))
            }
            return callTool(call, id: id, token: token)

        default:
            return .reply(encode(.failure(id: id, .methodNotFound("Method '\(method.prefix(64))' is not supported"))))
        }
    }

    private func callTool(_ call: ToolCallRequest, id: ID, token: AccessToken) -> Outcome {
        switch ToolInvoker(tools: tools, processID: processID).call(call.name, arguments: call.arguments, token: token) {
        case .unknownTool:
            return .reply(encode(.failure(id: id, .invalidParams("Unknown tool: '\(call.name.prefix(64))'"))))
        case .insufficientScope(let scope):
            return .insufficientScope(scope)
        case .invalidArguments(let problem):
            return .reply(encode(.failure(id: id, .invalidParams(problem.message))))
        case .ran(.completed(let result)):
            return .reply(reply(result, id: id))
        case .ran(.deferred(let start)):
            return .deferred { eventLoop in
                start(eventLoop).recover { error in
                    // A tool's failure is reported to the model as a tool result, not a protocol error.
                    .toolError((error as? ToolUnavailable)?.message ?? "The tool failed")
                }.map { result in self.reply(result, id: id) }
            }
        }
    }

    /// A tool's result as the reply to `id`: written directly when it can be (the hot path).
    private func reply(_ result: CallTool.Result, id: ID) -> [UInt8] {
        ToolReplyJSON.encode(result, id: id) ?? encode(JSONRPCReply(id: id, outcome: .success(result)))
    }

    private func encode<Result: Encodable>(_ reply: JSONRPCReply<Result>) -> [UInt8] {
        (try? JSONCoding.encode(reply))
            ?? Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}"#.utf8)
    }
}
