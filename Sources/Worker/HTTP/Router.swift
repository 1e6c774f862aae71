import NIOCore
import NIOHTTP1

/// Maps a path and method to its route: exact paths first (one dictionary lookup), then
/// patterns such as `/tools/{name}` in the order added. Unknown paths get 404, known paths
/// with another method 405 with `Allow`. A group puts middleware (authentication) in front
/// of every route added through it.
struct Router: HTTPResponder {
    typealias Handler = @Sendable (HTTPRequest, RequestContext) -> EventLoopFuture<HTTPResponse>

    private struct Route: Sendable {
        var methods: [HTTPMethod]
        var handler: Handler
    }

    private struct PatternRoute: Sendable {
        var pattern: RoutePattern
        var route: Route
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

    /// A route whose path has `{name}` segments; the handler finds their values in `context.parameters`.
    mutating func add(_ pattern: RoutePattern, methods: [HTTPMethod], handler: @escaping Handler) {
        patternRoutes.append(PatternRoute(pattern: pattern, route: Route(methods: methods, handler: handler)))
    }

    /// Routes added in `build` run behind `middlewares`, the first one outermost.
    mutating func group(_ middlewares: [any HTTPMiddleware], _ build: (inout Group) -> Void) {
        var group = Group(router: self, middlewares: middlewares)
        build(&group)
        self = group.router
    }

    /// The routes of one group, each wrapped in the group's middleware.
    struct Group {
        fileprivate var router: Router
        fileprivate let middlewares: [any HTTPMiddleware]

        mutating func add(_ path: String, methods: [HTTPMethod], handler: @escaping Handler) {
            router.add(path, methods: methods, handler: wrapped(handler))
        }

        mutating func add(_ pattern: RoutePattern, methods: [HTTPMethod], handler: @escaping Handler) {
            router.add(pattern, methods: methods, handler: wrapped(handler))
        }

        private func wrapped(_ handler: @escaping Handler) -> Handler {
            middlewares.reversed().reduce(handler) { next, middleware in
                { request, context in middleware.handle(request, context: context, next: next) }
            }
        }
    }

    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        let path = request.path
        if let route = routes[path] {
            guard route.methods.contains(request.method) else { return methodNotAllowed(route.methods, context) }
            return route.handler(request, context)
        }
        for entry in patternRoutes {
            guard let parameters = entry.pattern.match(path) else { continue }
            guard entry.route.methods.contains(request.method) else { return methodNotAllowed(entry.route.methods, context) }
            var context = context
            context.parameters = parameters
            return entry.route.handler(request, context)
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
