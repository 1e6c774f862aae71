import Logging
import MCP
import NIOCore
import NIOHTTP1

/// The tools over plain HTTP: `GET /tools` lists what the caller may call, `POST /tools/{name}`
/// calls one. Same tokens, scopes and challenges as `/mcp`, over the same `ToolInvoker`.
struct RESTToolsEndpoint: Sendable {
    var authenticator: Authenticator
    var challenge: AuthChallenge
    var invoker: ToolInvoker

    func list(_ request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        authenticated(request, context: context) { token in
            let tools: [Value] = self.invoker.tools.allowed(for: token).map { tool in
                [
                    "name": .string(tool.name), "description": .string(tool.description),
                    "inputSchema": tool.inputSchema.jsonSchema, "outputSchema": tool.outputSchema,
                    "requiredScope": .string(tool.requiredScope),
                ]
            }
            return context.eventLoop.makeSucceededFuture(.json(.ok, encoding: ["tools": Value.array(tools)] as Value))
        }
    }

    func call(_ request: HTTPRequest, name: String, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        authenticated(request, context: context) { token in
            self.serve(request, name: name, token: token, context: context)
        }
    }

    private func serve(_ request: HTTPRequest, name: String, token: AccessToken, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        let eventLoop = context.eventLoop
        let arguments: [String: Value]
        switch RESTArguments.read(request) {
        case .success(let value):
            arguments = value
        case .failure(.notJSON):
            return eventLoop.makeSucceededFuture(.error(
                .unsupportedMediaType, code: "unsupported_media_type", description: "Send the arguments as a JSON object (application/json)"))
        case .failure(.malformed):
            return eventLoop.makeSucceededFuture(.error(.badRequest, code: "invalid_json", description: "The body is not valid JSON"))
        case .failure(.notAnObject):
            return eventLoop.makeSucceededFuture(.json(.unprocessableEntity, encoding: InvalidArgumentsBody(
                errorDescription: "The arguments must be a JSON object", pointer: "")))
        }

        switch invoker.call(name, arguments: arguments, token: token) {
        case .unknownTool:
            return eventLoop.makeSucceededFuture(.error(.notFound, code: "unknown_tool", description: "No such tool; GET /tools lists yours"))
        case .insufficientScope(let scope):
            AuthorizationDenial.log(scope: scope, token: token, context: context)
            return eventLoop.makeSucceededFuture(challenge.insufficientScope(required: [scope], principal: token.principal))
        case .invalidArguments(let problem):
            return eventLoop.makeSucceededFuture(.json(.unprocessableEntity, encoding: InvalidArgumentsBody(
                errorDescription: problem.message, pointer: problem.pointer)))
        case .ran(.completed(let result)):
            return eventLoop.makeSucceededFuture(.json(.ok, encoding: RESTToolResult(result)))
        case .ran(.deferred(let start)):
            return start(eventLoop).map { result in
                HTTPResponse.json(.ok, encoding: RESTToolResult(result))
            }.recover { error in
                let message = (error as? ToolUnavailable)?.message ?? "The tool failed"
                return .error(.serviceUnavailable, code: "temporarily_unavailable", description: message, headers: ["Retry-After": "1"])
            }
        }
    }

    /// Runs `work` for a valid token; otherwise answers with the authenticator's challenge.
    private func authenticated(
        _ request: HTTPRequest, context: RequestContext, _ work: @escaping @Sendable (AccessToken) -> EventLoopFuture<HTTPResponse>
    ) -> EventLoopFuture<HTTPResponse> {
        authenticator.authenticate(request, context: context).flatMap { outcome in
            switch outcome {
            case .refused(let refusal):
                return context.eventLoop.makeSucceededFuture(refusal)
            case .authenticated(let token):
                return work(token).map { response in
                    var response = response
                    response.principal = token.principal
                    return response
                }
            }
        }
    }
}
