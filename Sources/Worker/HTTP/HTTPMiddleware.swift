import NIOCore

/// A stage in front of a group of routes: it answers by itself, or passes the request on
/// (perhaps with more in its context).
protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> EventLoopFuture<HTTPResponse>
}
