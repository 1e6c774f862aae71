import NIOCore
import NIOHTTP1

/// Streamable HTTP's rules that hold before authentication, on the request head: the Origin
/// (DNS-rebinding protection), CORS for allowed browser origins (a preflight carries no
/// token), POST only. Every refusal here is a JSON-RPC error without an id.
struct MCPTransport: HTTPMiddleware {
    /// Browser origins allowed to call; requests without `Origin` (non-browser clients) pass.
    var allowedOrigins: Set<String>

    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission {
        let origin = request.headers.first(name: "origin")
        if let origin, !allowedOrigins.contains(origin) {
            // Spec: an invalid Origin MUST get 403, before anything else is looked at.
            return .answer(.jsonRPC(
                JSONRPCError(code: JSONRPCError.forbiddenCode, message: "Forbidden: the request's Origin is not allowed"), id: nil, status: .forbidden))
        }
        if request.method == .OPTIONS, let origin {
            return .answer(CORS.preflight(origin: origin))
        }
        guard request.method == .POST else {
            // No server-initiated stream (GET) and no sessions to end (DELETE) in any era served here.
            var response = HTTPResponse.jsonRPC(
                .invalidRequest("use POST for MCP messages; this server keeps no sessions and opens no GET stream"), id: nil, status: .methodNotAllowed)
            response.headers.replaceOrAdd(name: "Allow", value: "POST")
            return .answer(CORS.allowing(origin, response))
        }
        return .proceed(context)
    }

    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> Eventually<HTTPResponse> {
        let origin = request.headers.first(name: "origin")
        return next(request, context).map { CORS.allowing(origin, $0) }
    }
}

/// JSON both ways, checked on the head once the caller is known (an anonymous request learns
/// only 401), so a body the endpoint would refuse is never kept.
struct MCPMediaTypes: HTTPMiddleware {
    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission {
        if let accept = request.headers.first(name: "accept"), !Self.acceptsJSON(accept) {
            return .answer(.jsonRPC(.invalidRequest("responses are application/json; include it in Accept"), id: nil, status: .notAcceptable))
        }
        guard let contentType = request.headers.first(name: "content-type"), MediaType.isJSON(contentType) else {
            return .answer(.jsonRPC(.invalidRequest("send MCP messages as application/json"), id: nil, status: .unsupportedMediaType))
        }
        return .proceed(context)
    }

    static func acceptsJSON(_ accept: String) -> Bool {
        MediaType.accept(accept, allowsAnyOf: ["application/json", "*/*", "application/*"])
    }
}
