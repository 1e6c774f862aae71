import MCP
import NIOCore

/// `/mcp`: one JSON-RPC message per POST, both eras on one endpoint; the transport's head
/// checks, authentication and the media types were decided on the head. It reads the message, picks the era from what
/// the client sent, applies the 2026-07-28 request rules, asks the dispatcher, and has the
/// era's renderer write the answer.
struct MCPEndpoint: Sendable {
    var dispatcher: MCPDispatcher
    var legacy = LegacyMCPRenderer()
    var modern: ModernMCPRenderer

    func respond(_ request: HTTPRequest, context: RequestContext) -> Eventually<HTTPResponse> {
        guard let caller = context.caller else { return .now(.missingCaller) }
        let versionHeader = request.headers.first(name: MCPProtocolVersion.headerName)
        let envelope: JSONRPCEnvelope
        switch JSONRPCEnvelope.read(request.body.readableBytesView) {
        case .failure(let error):
            let era = MCPEra.of(versionHeader: versionHeader, meta: nil)
            return .now(renderer(for: era).error(error, id: nil))
        case .success(let message):
            envelope = message
        }
        let era = MCPEra.of(versionHeader: versionHeader, meta: envelope.meta)
        let renderer = renderer(for: era)
        var logged = AccessLogFields(
            mcpVersion: String(Self.loggedVersion(era: era, envelope: envelope, header: versionHeader).prefix(32)),
            traceparent: envelope.meta?.traceparent)

        let answer: Eventually<HTTPResponse>
        switch envelope.kind {
        case .invalid(let reason):
            answer = .now(renderer.error(.invalidRequest(reason), id: nil))
        case .notification(let method):
            logged.mcpMethod = String(method.prefix(64))
            answer = .now(HTTPResponse(status: .accepted))
        case .response:
            // 2026-07-28 clients "MUST NOT send JSON-RPC responses"; earlier ones had nothing to answer here.
            answer = .now(era == .modern ? renderer.error(.invalidRequest("clients send requests and notifications only"), id: nil)
                                         : HTTPResponse(status: .accepted))
        case .request(let id, let method):
            logged.mcpMethod = String(method.prefix(64))
            if method == "tools/call", let name = envelope.params?.name { logged.mcpTool = String(name.prefix(64)) }
            if era == .modern, let violation = ModernRequestRules.violation(headers: request.headers, method: method, params: envelope.params) {
                answer = .now(renderer.error(violation, id: id))
                break
            }
            switch dispatcher.answer(method: method, params: envelope.params, era: era, caller: caller, context: context) {
            case .result(let result): answer = .now(renderer.result(result, id: id))
            case .error(let error): answer = .now(renderer.error(error, id: id))
            case .toolCall(let call): answer = call.map { renderer.toolCall($0, id: id) }
            }
        }
        let fields = logged
        return answer.map { response in
            var response = response
            response.logFields = fields
            return response
        }
    }

    /// The version a request spoke: the one it declared in 2026-07-28, the one `initialize`
    /// negotiates, otherwise the header's (or the one assumed without it).
    private static func loggedVersion(era: MCPEra, envelope: JSONRPCEnvelope, header: String?) -> String {
        switch era {
        case .modern:
            return envelope.meta?.protocolVersion ?? header ?? "-"
        case .legacy(let version):
            if case .request(_, "initialize") = envelope.kind { return MCPProtocolVersion.negotiate(envelope.params?.protocolVersion) }
            return version
        }
    }

    private func renderer(for era: MCPEra) -> any MCPRenderer {
        era == .modern ? modern : legacy
    }

    /// A refusal by the authentication stage in front of `/mcp`, as a JSON-RPC error; the
    /// body was not read, so there is no id to give.
    static func refusal(_ refusal: AuthRefusal) -> HTTPResponse {
        .jsonRPC(refusal, id: nil)
    }
}
