import NIOCore
import NIOHTTP1

/// Maps a path and method to its route: exact paths first (one dictionary lookup), then
/// patterns such as `/tools/{name}` in the order added. Unknown paths get 404, known paths
/// with another method 405 with `Allow`.
struct Router: HTTPResponder {
    typealias Handler = @Sendable (HTTPRequest, RequestContext) -> EventLoopFuture<HTTPResponse>
    typealias ParameterizedHandler = @Sendable (HTTPRequest, RouteParameters, RequestContext) -> EventLoopFuture<HTTPResponse>

    struct Route: Sendable {
        var methods: [HTTPMethod]
        var handler: Handler
    }

    private struct PatternRoute: Sendable {
        var pattern: RoutePattern
        var methods: [HTTPMethod]
        var handler: ParameterizedHandler
    }

    private var routes: [String: Route] = [:]
    private var patternRoutes: [PatternRoute] = []

    mutating func add(_ path: String, methods: [HTTPMethod], handler: @escaping Handler) {
        routes[path] = Route(methods: methods, handler: handler)
    }

    /// For routes that answer at once.
    mutating func add(_ path: String, methods: [HTTPMethod], respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        add(path, methods: methods) { request, context in context.eventLoop.makeSucceededFuture(respond(request)) }
    }

    /// A route whose path has `{name}` segments; the handler gets their values.
    mutating func add(_ pattern: RoutePattern, methods: [HTTPMethod], handler: @escaping ParameterizedHandler) {
        patternRoutes.append(PatternRoute(pattern: pattern, methods: methods, handler: handler))
    }

    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        let path = request.path
        if let route = routes[path] {
            guard route.methods.contains(request.method) else { return methodNotAllowed(route.methods, context) }
            return route.handler(request, context)
        }
        for route in patternRoutes {
            guard let parameters = route.pattern.match(path) else { continue }
            guard route.methods.contains(request.method) else { return methodNotAllowed(route.methods, context) }
            return route.handler(request, parameters, context)
        }
        return context.eventLoop.makeSucceededFuture(.error(.notFound, code: "not_found", description: "No such endpoint"))
    }

    private func methodNotAllowed(_ methods: [HTTPMethod], _ context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        let allowed = methods.map(\.rawValue).joined(separator: ", ")
        return context.eventLoop.makeSucceededFuture(
            .error(.methodNotAllowed, code: "method_not_allowed", description: "Allowed methods: \(allowed)",
                   headers: ["Allow": allowed]))
    }
}
