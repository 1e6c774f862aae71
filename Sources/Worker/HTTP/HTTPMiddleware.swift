import NIOCore

/// A stage in front of a group of routes, with two moments to act: on the request head,
/// before any body is read or kept (authentication refuses there, so an anonymous request's
/// body is never buffered), and around the complete request.
protocol HTTPMiddleware: Sendable {
    /// Lets the request through, perhaps with more in its context, or answers it now.
    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission
    /// Runs around the route once the body has arrived.
    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> Eventually<HTTPResponse>
}

extension HTTPMiddleware {
    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission { .proceed(context) }

    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> Eventually<HTTPResponse> {
        next(request, context)
    }
}
