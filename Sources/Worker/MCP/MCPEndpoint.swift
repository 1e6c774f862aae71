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
        // A promise rather than `flatMap`: pure tools answer within this callback, with no extra future.
        let answered = eventLoop.makePromise(of: HTTPResponse.self)
        authenticator.authenticate(request, context: context).whenComplete { result in
            switch result {
            case .failure(let error):
                answered.fail(error)
            case .success(.refused(let refusal)):
                answered.succeed(self.allowingOrigin(origin, refusal))
            case .success(.authenticated(let token)):
                switch self.serve(request, token: token, context: context) {
                case .now(var response):
                    response.principal = token.principal
                    answered.succeed(self.allowingOrigin(origin, response))
                case .later(let pending):
                    pending.whenComplete { result in
                        answered.completeWith(result.map { response in
                            var response = response
                            response.principal = token.principal
                            return self.allowingOrigin(origin, response)
                        })
                    }
                }
            }
        }
        return answered.futureResult
    }

    private func allowingOrigin(_ origin: String?, _ response: HTTPResponse) -> HTTPResponse {
        guard let origin else { return response }
        var response = response
        CORS.allow(origin: origin, in: &response.headers)
        return response
    }

    /// A response now, or one that waits for a tool's work off the event loop.
    private enum Served {
        case now(HTTPResponse)
        case later(EventLoopFuture<HTTPResponse>)
    }

    private func serve(_ request: HTTPRequest, token: AccessToken, context: RequestContext) -> Served {
        if let version = request.headers.first(name: MCPProtocolVersion.headerName),
            !MCPProtocolVersion.supported.contains(version)
        {
            return .now(.error(.badRequest, code: "unsupported_protocol_version",
                               description: "Supported MCP-Protocol-Version values: \(MCPProtocolVersion.supported.joined(separator: ", "))"))
        }
        if let accept = request.headers.first(name: "accept"), !Self.acceptsJSON(accept) {
            return .now(.error(.notAcceptable, code: "not_acceptable", description: "Responses are application/json; include it in Accept"))
        }
        guard let contentType = request.headers.first(name: "content-type"),
            MediaType.value(contentType, is: "application/json")
        else {
            return .now(.error(.unsupportedMediaType, code: "unsupported_media_type", description: "Send MCP messages as application/json"))
        }

        switch dispatcher.handle(request.body.readableBytesView, token: token) {
        case .reply(let body):
            return .now(.json(.ok, body))
        case .accepted:
            return .now(HTTPResponse(status: .accepted))
        case .rejected(let body):
            return .now(.json(.badRequest, body))
        case .insufficientScope(let scope):
            AuthorizationDenial.log(scope: scope, token: token, context: context)
            return .now(challenge.insufficientScope(required: [scope], principal: token.principal))
        case .deferred(let start):
            return .later(start(context.eventLoop).map { .json(.ok, $0) })
        }
    }

    static func acceptsJSON(_ accept: String) -> Bool {
        MediaType.accept(accept, allowsAnyOf: ["application/json", "*/*", "application/*"])
    }
}
