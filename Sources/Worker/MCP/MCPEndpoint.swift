import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Streamable HTTP at `/mcp` (MCP 2025-11-25, "Transports"): POST only, JSON responses,
/// no sessions. Transport checks come first, then authentication, then the message.
struct MCPEndpoint: Sendable {
    var authenticator: Authenticator
    var dispatcher: MCPDispatcher
    var challenge: AuthChallenge
    /// Browser origins allowed to call; requests without `Origin` (non-browser clients) pass.
    var allowedOrigins: Set<String>

    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        let eventLoop = context.eventLoop
        let origin = request.headers.first(name: "origin")
        if let origin, !allowedOrigins.contains(origin) {
            // DNS-rebinding protection: the spec requires refusing unknown origins.
            return eventLoop.makeSucceededFuture(
                .error(.forbidden, code: "origin_not_allowed", description: "The request's Origin is not allowed"))
        }
        if request.method == .OPTIONS, let origin {
            return eventLoop.makeSucceededFuture(CORS.preflight(origin: origin))
        }
        guard request.method == .POST else {
            // No server-initiated SSE stream (GET) and no sessions to end (DELETE).
            return eventLoop.makeSucceededFuture(
                .error(.methodNotAllowed, code: "method_not_allowed", description: "Use POST for MCP messages",
                       headers: ["Allow": "POST"]))
        }
        return authenticator.authenticate(request, context: context).map { result in
            var response: HTTPResponse
            switch result {
            case .refused(let refusal):
                response = refusal
            case .authenticated(let token):
                response = self.serve(request, token: token, context: context)
                response.principal = token.principal
            }
            if let origin { CORS.allow(origin: origin, in: &response.headers) }
            return response
        }
    }

    private func serve(_ request: HTTPRequest, token: AccessToken, context: RequestContext) -> HTTPResponse {
        if let version = request.headers.first(name: MCPProtocolVersion.headerName),
            !MCPProtocolVersion.supported.contains(version)
        {
            return .error(.badRequest, code: "unsupported_protocol_version",
                          description: "Supported MCP-Protocol-Version values: \(MCPProtocolVersion.supported.joined(separator: ", "))")
        }
        if let accept = request.headers.first(name: "accept"), !Self.acceptsJSON(accept) {
            return .error(.notAcceptable, code: "not_acceptable", description: "Responses are application/json; include it in Accept")
        }
        guard let contentType = request.headers.first(name: "content-type"),
            MediaType.value(contentType, is: "application/json")
        else {
            return .error(.unsupportedMediaType, code: "unsupported_media_type", description: "Send MCP messages as application/json")
        }

        switch dispatcher.handle(request.body.readableBytesView, token: token) {
        case .reply(let body):
            return .json(.ok, body)
        case .accepted:
            return HTTPResponse(status: .accepted)
        case .rejected(let body):
            return .json(.badRequest, body)
        case .insufficientScope(let scope):
            context.logger.warning("authz.denied", metadata: [
                "event": "authz.denied", "required_scope": .string(scope),
                "sub": .string(token.subject ?? "-"), "client_id": .string(token.clientID ?? "-"),
            ])
            return challenge.insufficientScope(required: [scope], principal: token.principal)
        }
    }

    static func acceptsJSON(_ accept: String) -> Bool {
        MediaType.accept(accept, allowsAnyOf: ["application/json", "*/*", "application/*"])
    }
}
