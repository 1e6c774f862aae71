import Logging
import NIOCore

/// Answers requests, in two steps: the head first (`admit`), then, when it is let through,
/// the complete request. Implementations run on the connection's event loop.
protocol HTTPResponder: Sendable {
    func admit(_ head: HTTPRequest, context: RequestContext) -> Admission
    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse>
}

/// What a route gets besides the request itself; stages in front of it fill in what they learn.
struct RequestContext: Sendable {
    var eventLoop: any EventLoop
    var logger: Logger
    /// The values a route pattern such as `/tools/{name}` took from the path.
    var parameters = RouteParameters(values: [:])
    /// The caller, once the authentication stage has accepted its token.
    var caller: AccessToken?
}
