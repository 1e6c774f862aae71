import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection: enforces the limits, assembles each request, asks the responder,
/// writes the answer, logs it, and keeps the connection alive or closes it.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case awaitingHead
        case receivingBody(HTTPRequestHead, ByteBuffer, startedAt: NIODeadline)
        /// A response is being produced; nothing more is read until it is written.
        case responding
        /// An error answer is on its way and the connection closes after it.
        case closing
    }

    private enum Timeout {
        /// No new request in time: an idle keep-alive connection, or a client stalling its head.
        case idle
        /// A head arrived but its body did not, in time.
        case read
    }

    private let responder: any HTTPResponder
    private let limits: HTTPLimits
    private let logger: Logger
    private let accessLog: AccessLog
    private let observer: ConnectionObserver?
    private var state = State.awaitingHead
    /// When the connection times out, and why; nil while a response is being produced.
    private var deadline: (at: NIODeadline, timeout: Timeout)?
    /// One timer per connection, re-armed only when it fires before the deadline: a new request
    /// just moves the deadline. Scheduling and cancelling two timers per request was a visible
    /// share of a small request's cost.
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?
    /// The server is draining: finish the request in hand, then close.
    private var quiescing = false

    private var counted = false

    init(responder: any HTTPResponder, limits: HTTPLimits, logger: Logger, accessLog: AccessLog, observer: ConnectionObserver? = nil) {
        self.responder = responder
        self.limits = limits
        self.logger = logger
        self.accessLog = accessLog
        self.observer = observer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context: context)
        context.fireChannelActive()
    }

    private func opened(context: ChannelHandlerContext) {
        if !counted {
            counted = true
            observer?.counters.connectionOpened()
        }
        setDeadline(.idle, in: limits.idleTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clearDeadline()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .awaitingHead):
            receiveHead(head, context: context)
        case (.body(var chunk), .receivingBody(let head, var body, let startedAt)):
            guard body.readableBytes + chunk.readableBytes <= limits.maxBodyBytes else {
                reject(head: head, status: .payloadTooLarge, code: "payload_too_large",
                       description: "The request body exceeds \(limits.maxBodyBytes) bytes", context: context)
                return
            }
            state = .responding  // Avoid a copy-on-write of `body` while it is appended to.
            body.writeBuffer(&chunk)
            state = .receivingBody(head, body, startedAt: startedAt)
        case (.end, .receivingBody(let head, let body, let startedAt)):
            deadline = nil
            state = .responding
            dispatch(head: head, body: body, startedAt: startedAt, context: context)
        default:
            // Parts after an error answer, or a client ignoring our Connection: close.
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .awaitingHead = state, let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // The decoder failed before a head existed: answer once, then close.
        let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "-")
        reject(
            head: head, status: status,
            code: status == .badRequest ? "bad_request" : "request_header_fields_too_large",
            description: status == .badRequest ? "The request is not valid HTTP/1.1" : "The request headers are too large",
            context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is DrainRequest else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if case .awaitingHead = state {
            setDeadline(.idle, in: DrainRequest.idleGrace, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        clearDeadline()
        if counted {
            counted = false
            observer?.counters.connectionClosed()
        }
        context.fireChannelInactive()
    }

    // MARK: - Steps

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let startedAt = NIODeadline.now()
        if Self.headerBytes(head) > limits.maxHeaderBytes {
            reject(head: head, status: .requestHeaderFieldsTooLarge, code: "request_header_fields_too_large",
                   description: "The request headers exceed \(limits.maxHeaderBytes) bytes", context: context)
            return
        }
        let lengths = head.headers["content-length"]
        if lengths.count > 1 || (lengths.first.map { Int($0) == nil } ?? false) {
            reject(head: head, status: .badRequest, code: "bad_request",
                   description: "Content-Length is malformed", context: context)
            return
        }
        if let length = lengths.first.flatMap(Int.init), length > limits.maxBodyBytes {
            reject(head: head, status: .payloadTooLarge, code: "payload_too_large",
                   description: "The request body exceeds \(limits.maxBodyBytes) bytes", context: context)
            return
        }
        if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            let interim = HTTPResponseHead(version: head.version, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        }
        state = .receivingBody(head, context.channel.allocator.buffer(capacity: 0), startedAt: startedAt)
        setDeadline(.read, in: limits.readTimeout, now: startedAt, context: context)
    }

    private func dispatch(head: HTTPRequestHead, body: ByteBuffer, startedAt: NIODeadline, context: ChannelHandlerContext) {
        let requestID = RequestID.accept(head.headers.first(name: RequestID.headerName))
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = .string(requestID)
        let request = HTTPRequest(
            head: head, body: body, requestID: requestID, remoteAddress: context.channel.remoteAddress)
        let requestContext = RequestContext(eventLoop: context.eventLoop, logger: requestLogger)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        responder.respond(to: request, context: requestContext).hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = loopBound.value
            let response: HTTPResponse
            switch result {
            case .success(let answer):
                response = answer
            case .failure:
                response = .error(.internalServerError, code: "internal_error", description: "The request could not be processed")
            }
            handler.write(response, for: request, startedAt: startedAt, keepAlive: head.isKeepAlive, context: context)
        }
    }

    /// Answers a request that will not be served and closes the connection, since its body
    /// (if any) is left unread.
    private func reject(
        head: HTTPRequestHead, status: HTTPResponseStatus, code: String, description: String,
        context: ChannelHandlerContext
    ) {
        deadline = nil
        state = .closing
        let requestID = RequestID.accept(head.headers.first(name: RequestID.headerName))
        let request = HTTPRequest(
            head: head, body: ByteBuffer(), requestID: requestID, remoteAddress: context.channel.remoteAddress)
        write(.error(status, code: code, description: description), for: request, startedAt: .now(), keepAlive: false, context: context)
    }

    private func write(_ response: HTTPResponse, for request: HTTPRequest, startedAt: NIODeadline, keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = response.headers
        headers.replaceOrAdd(name: RequestID.headerName, value: request.requestID)
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        if !headers.contains(name: "Cache-Control") {
            headers.add(name: "Cache-Control", value: "no-store")
        }
        let body = request.method == .HEAD ? nil : response.body
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body?.readableBytes ?? 0))
        let keepAlive = keepAlive && !quiescing && !Self.isClosing(state)
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")

        let head = HTTPResponseHead(version: request.head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let written = context.writeAndFlushAndReturnFuture(wrapOutboundOut(.end(nil)))
        accessLog.record(request: request, response: response, duration: .now() - startedAt)
        if let observer {
            observer.requestCompleted(observer.counters.requestCompleted())
        }

        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.whenComplete { _ in
            let (handler, context) = loopBound.value
            if keepAlive {
                handler.state = .awaitingHead
                handler.setDeadline(.idle, in: handler.limits.idleTimeout, context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    // MARK: - Timeouts

    private func setDeadline(_ timeout: Timeout, in amount: TimeAmount, now: NIODeadline = .now(), context: ChannelHandlerContext) {
        let at = now + amount
        deadline = (at, timeout)
        // A timer firing no later than the new deadline re-arms itself for the rest.
        if let timer, timer.firesAt <= at { return }
        armTimer(at: at, context: context)
    }

    private func clearDeadline() {
        deadline = nil
        timer?.task.cancel()
        timer = nil
    }

    private func armTimer(at firesAt: NIODeadline, context: ChannelHandlerContext) {
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: firesAt) { [weak self] () -> Void in
            self?.timerFired(context: context)
        }
        timer = (task, firesAt)
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let (at, timeout) = deadline else { return }
        guard at <= .now() else {
            armTimer(at: at, context: context)
            return
        }
        deadline = nil
        switch timeout {
        case .idle:
            context.close(promise: nil)
        case .read:
            guard case .receivingBody(let head, _, _) = state else { return }
            reject(head: head, status: .requestTimeout, code: "request_timeout",
                   description: "The request was not received in time", context: context)
        }
    }

    private static func isClosing(_ state: State) -> Bool {
        if case .closing = state { return true }
        return false
    }

    /// The size of the request line and headers as sent, near enough to bound memory.
    static func headerBytes(_ head: HTTPRequestHead) -> Int {
        var total = head.uri.utf8.count + 16
        for (name, value) in head.headers {
            total += name.utf8.count + value.utf8.count + 4
        }
        return total
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushAndReturnFuture(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}
