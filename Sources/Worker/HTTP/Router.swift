import NIOCore
import NIOHTTP1

/// Maps a path and method to its route; unknown paths get 404, known paths with another
/// method 405 with `Allow`.
struct Router: HTTPResponder {
    typealias Handler = @Sendable (HTTPRequest, RequestContext) -> EventLoopFuture<HTTPResponse>

    struct Route: Sendable {
        var methods: [HTTPMethod]
        var handler: Handler
    }

    private var routes: [String: Route] = [:]

    mutating func add(_ path: String, methods: [HTTPMethod], handler: @escaping Handler) {
        routes[path] = Route(methods: methods, handler: handler)
    }

    /// For routes that answer at once.
    mutating func add(_ path: String, methods: [HTTPMethod], respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        add(path, methods: methods) { request, context in context.eventLoop.makeSucceededFuture(respond(request)) }
    }

    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse> {
        guard let route = routes[request.path] else {
            return context.eventLoop.makeSucceededFuture(
                .error(.notFound, code: "not_found", description: "No such endpoint"))
        }
        guard route.methods.contains(request.method) else {
            let allowed = route.methods.map(\.rawValue).joined(separator: ", ")
            return context.eventLoop.makeSucceededFuture(
                .error(.methodNotAllowed, code: "method_not_allowed", description: "Allowed methods: \(allowed)",
                       headers: ["Allow": allowed]))
        }
        return route.handler(request, context)
    }
}
