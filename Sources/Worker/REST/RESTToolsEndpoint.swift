import MCP
import NIOCore

/// The tools over plain HTTP: `GET /tools` lists what the caller may call, `POST /tools/{name}`
/// calls one. Behind the same authentication stage as `/mcp`, over the same `ToolInvoker`.
struct RESTToolsEndpoint: Sendable {
    var invoker: ToolInvoker

    func list(_ request: HTTPRequest, context: RequestContext) -> Eventually<HTTPResponse> {
        guard let caller = context.caller else { return .now(.missingCaller) }
        let tools: [Value] = invoker.tools.allowed(for: caller).map { tool in
            [
                "name": .string(tool.name), "title": .string(tool.title), "description": .string(tool.description),
                "inputSchema": tool.inputSchema.jsonSchema, "outputSchema": tool.outputSchema,
                "requiredScope": .string(tool.requiredScope),
            ]
        }
        return .now(.json(.ok, encoding: ["tools": Value.array(tools)] as Value))
    }

    func call(_ request: HTTPRequest, context: RequestContext) -> Eventually<HTTPResponse> {
        guard let caller = context.caller else { return .now(.missingCaller) }
        // Decided on the head already (RESTToolAccess); asked again, it costs a dictionary lookup.
        let tool: any ToolDefinition
        switch invoker.authorize(context.parameters["name"] ?? "", caller: caller, context: context) {
        case .failure(let refused): return .now(RESTRenderer.render(refused.result))
        case .success(let found): tool = found
        }
        let body = request.body.readableBytesView
        if !ToolArguments.isAbsent(body), !(request.headers.first(name: "content-type").map(MediaType.isJSON) ?? false) {
            return .now(.error(
                .unsupportedMediaType, code: "unsupported_media_type", description: "Send the arguments as a JSON object (application/json)"))
        }
        switch ToolArguments.decode(body) {
        case .failure(let problem):
            return .now(RESTRenderer.render(problem))
        case .success(let arguments):
            return invoker.run(tool, arguments: arguments, caller: caller).map(RESTRenderer.render)
        }
    }
}

extension HTTPResponse {
    /// A protected route reached without the authentication stage: a wiring mistake, never the client's.
    static let missingCaller = HTTPResponse.error(.internalServerError, code: "internal_error", description: "The request could not be processed")
}

/// `POST /tools/{name}` on the head: the tool must exist and the caller must hold its scope
/// before a byte of the arguments is read, let alone decoded.
struct RESTToolAccess: HTTPMiddleware {
    var invoker: ToolInvoker

    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission {
        guard let caller = context.caller else { return .answer(.missingCaller) }
        switch invoker.authorize(context.parameters["name"] ?? "", caller: caller, context: context) {
        case .failure(let refused): return .answer(RESTRenderer.render(refused.result))
        case .success: return .proceed(context)
        }
    }
}
