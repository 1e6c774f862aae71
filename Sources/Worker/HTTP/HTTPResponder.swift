import Logging
import NIOCore

/// Answers requests, in two steps: the head first (`admit`), then, when it is let through,
/// the complete request. Implementations run on the connection's event loop.
protocol HTTPResponder: Sendable {
    func admit(_ head: HTTPRequest, context: RequestContext) -> Admission
    func respond(to request: HTTPRequest, context: RequestContext) -> Eventually<HTTPResponse>
}

/// What a route gets besides the request itself; stages in front of it fill in what they learn.
struct RequestContext: Sendable {
    var eventLoop: any EventLoop
    /// The worker's logger; `logger` adds the request id.
    var baseLogger: Logger
    var requestID: String
    /// The values a route pattern such as `/tools/{name}` took from the path.
    var parameters = RouteParameters(values: [:])
    /// The caller, once the authentication stage has accepted its token.
    var caller: AccessToken?

    init(eventLoop: any EventLoop, logger: Logger, requestID: String) {
        self.eventLoop = eventLoop
        self.baseLogger = logger
        self.requestID = requestID
    }

    /// A logger whose lines carry the request id; made when a line is written (rarely: the
    /// access line is written without it), since each copy with metadata costs allocations.
    var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = .string(requestID)
        return logger
    }
}
