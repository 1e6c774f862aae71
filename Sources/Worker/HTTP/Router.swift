import NIOCore
import NIOHTTP1

/// Maps a path and method to its route: exact paths first (one dictionary lookup), then
/// patterns such as `/tools/{name}` in the order added. Unknown paths get 404, known paths
/// with another method 405 with `Allow`. A group puts middleware (authentication) in front
/// of every route added through it.
struct Router: HTTPResponder {
    typealias Handler = @Sendable (HTTPRequest, RequestContext) -> Eventually<HTTPResponse>

    private struct Route: Sendable {
        var methods: [HTTPMethod]
        var handler: Handler
        /// The head stages of the route's group, outermost first.
        var middlewares: [any HTTPMiddleware] = []
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

    private mutating func add(_ path: String, _ route: Route) {
        routes[path] = route
    }

    private mutating func add(_ pattern: RoutePattern, _ route: Route) {
        patternRoutes.append(PatternRoute(pattern: pattern, route: route))
    }

    /// For routes that answer at once.
    mutating func add(_ path: String, methods: [HTTPMethod], respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        add(path, methods: methods) { request, _ in .now(respond(request)) }
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
            router.add(path, Route(methods: methods, handler: wrapped(handler), middlewares: middlewares))
        }

        mutating func add(_ pattern: RoutePattern, methods: [HTTPMethod], handler: @escaping Handler) {
            router.add(pattern, Route(methods: methods, handler: wrapped(handler), middlewares: middlewares))
        }

        private func wrapped(_ handler: @escaping Handler) -> Handler {
            middlewares.reversed().reduce(handler) { next, middleware in
                { request, context in middleware.handle(request, context: context, next: next) }
            }
        }
    }

    /// On the head: unknown paths and methods are answered here (their bodies are never
    /// read), and the route's stages decide the rest.
    func admit(_ head: HTTPRequest, context: RequestContext) -> Admission {
        switch match(head) {
        case .missing: return .answer(Self.notFound)
        case .wrongMethod(let methods): return .answer(Self.methodNotAllowed(methods))
        case .found(let route, let parameters):
            var context = context
            context.parameters = parameters
            return Self.admit(head, context: context, through: route.middlewares[...])
        }
    }

    /// The stages in order, each given what the one before learned. A loop rather than a chain
    /// of closures: nearly every stage decides at once, and a 401 is a hot path.
    private static func admit(
        _ head: HTTPRequest, context: RequestContext, through stages: ArraySlice<any HTTPMiddleware>
    ) -> Admission {
        var context = context
        for index in stages.indices {
            switch stages[index].admit(head, context: context) {
            case .proceed(let admitted):
                context = admitted
            case .answer(let response):
                return .answer(response)
            case .pending(let decided):
                let rest = stages[(index + 1)...]
                return .pending(decided.map { $0.then { admit(head, context: $0, through: rest) } })
            }
        }
        return .proceed(context)
    }

    /// The complete request of an admitted head (its context carries what admission learned).
    func respond(to request: HTTPRequest, context: RequestContext) -> Eventually<HTTPResponse> {
        switch match(request) {
        case .missing: return .now(Self.notFound)
        case .wrongMethod(let methods): return .now(Self.methodNotAllowed(methods))
        case .found(let route, let parameters):
            var context = context
            context.parameters = parameters
            return route.handler(request, context)
        }
    }

    private enum Match {
        case found(Route, RouteParameters)
        case wrongMethod([HTTPMethod])
        case missing
    }

    private func match(_ request: HTTPRequest) -> Match {
        let path = request.path
        if let route = routes[path] {
            return route.methods.contains(request.method) ? .found(route, RouteParameters(values: [:])) : .wrongMethod(route.methods)
        }
        for entry in patternRoutes {
            guard let parameters = entry.pattern.match(path) else { continue }
            return entry.route.methods.contains(request.method) ? .found(entry.route, parameters) : .wrongMethod(entry.route.methods)
        }
        return .missing
    }

    private static let notFound = HTTPResponse.error(.notFound, code: "not_found", description: "No such endpoint")

    private static func methodNotAllowed(_ methods: [HTTPMethod]) -> HTTPResponse {
        let allowed = methods.map(\.rawValue).joined(separator: ", ")
        return .error(.methodNotAllowed, code: "method_not_allowed", description: "Allowed methods: \(allowed)", headers: ["Allow": allowed])
    }
}
