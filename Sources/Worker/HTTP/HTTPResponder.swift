import Logging
import NIOCore

/// Answers complete requests. Implementations run on the connection's event loop.
protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, context: RequestContext) -> EventLoopFuture<HTTPResponse>
}

/// What a route gets besides the request itself.
struct RequestContext: Sendable {
    var eventLoop: any EventLoop
    var logger: Logger
}
