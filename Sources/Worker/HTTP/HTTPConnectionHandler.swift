import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection: enforces the limits, lets the route's stages decide on each
/// request's head before any of its body is kept, assembles the body of an admitted request,
/// asks the responder, writes the answer in order, logs it, and keeps the connection alive or
/// closes it.
///
/// What one connection holds at most: a head (`maxHeaderBytes`); the body of an admitted
/// request (`maxBodyBytes`); a small body being dropped after an early answer, never kept; and
/// the responses a client has not read yet, up to its socket buffer, since reading stops while
/// the connection cannot be written (`read(context:)` holds it, as NIO's `BackPressureHandler`
/// would, one handler fewer for every read and write to pass) and a client that stays that way
/// past `sendTimeout` is closed.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request in hand, from its head on. A class, so that each step of `State` holds it
    /// without copying it.
    private final class Exchange {
        /// The request as its head made it: what the stages see, and the access log if it is
        /// answered on its head.
        let request: HTTPRequest
        let startedAt: NIODeadline
        var context: RequestContext

        init(request: HTTPRequest, startedAt: NIODeadline, context: RequestContext) {
            self.request = request
            self.startedAt = startedAt
            self.context = context
        }

        var head: HTTPRequestHead { request.head }
    }

    private enum State {
        case awaitingHead
        /// The head is before the route's stages; body parts that arrive meanwhile are held.
        case admitting(Exchange, body: ByteBuffer, ended: Bool)
        case receivingBody(Exchange, body: ByteBuffer)
        /// A response is being produced; nothing more is read until it is written.
        case responding
        /// Answered on its head: the rest of this (small) body is read and dropped.
        case discardingBody
        /// An answer is on its way and the connection closes after it.
        case closing
    }

    private enum Timeout {
        /// No new request in time: an idle keep-alive connection, or a client stalling its head.
        case idle
        /// A head arrived but its body did not, in time.
        case read
    }

    /// A body at most this large is read and dropped after an early answer, so the connection
    /// can be kept; a larger one (or one of unknown length) closes the connection instead.
    static let discardableBodyBytes = 64 * 1024

    private let responder: any HTTPResponder
    private let limits: HTTPLimits
    private let logger: Logger
    private let accessLog: AccessLog
    private let accessLogBuffer: AccessLogBuffer
    private let observer: ConnectionObserver?
    private var state = State.awaitingHead
    /// When the connection times out, and why; nil while a response is being produced.
    private var deadline: (at: NIODeadline, timeout: Timeout)?
    /// One timer per connection, re-armed only when it fires before the deadline: a new request
    /// just moves the deadline. Scheduling and cancelling two timers per request was a visible
    /// share of a small request's cost.
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?
    /// Armed while the client reads nothing of what we send.
    private var sendTimer: Scheduled<Void>?
    /// The server is draining: finish the request in hand, then close.
    private var quiescing = false
    /// Request parts held while the connection cannot be written (one request at most: NIO's
    /// pipelining handler hands over the next only after our answer).
    private var stalled: [HTTPServerRequestPart] = []
    /// Reads are held while a head waits for its stages (a key refresh), so its body is not read in,
    /// and while the connection cannot be written (the client is not reading our answers).
    private var readsPaused = false
    private var readRequested = false

    private var counted = false
    private var requestIDs = RequestID.Generator()

    init(
        responder: any HTTPResponder, limits: HTTPLimits, logger: Logger, accessLog: AccessLog, accessLogBuffer: AccessLogBuffer,
        observer: ConnectionObserver? = nil
    ) {
        self.responder = responder
        self.limits = limits
        self.logger = logger
        self.accessLog = accessLog
        self.accessLogBuffer = accessLogBuffer
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
        sendTimer?.cancel()
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused || !context.channel.isWritable {
            readRequested = true
        } else {
            context.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // A client that reads nothing gets no more answers to pile up in memory: the next
        // request waits until it reads again (or the send timeout closes the connection).
        if !stalled.isEmpty || (!context.channel.isWritable && Self.isHead(part) && Self.isAwaitingHead(state)) {
            stalled.append(part)
            return
        }
        receive(part, context: context)
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), .awaitingHead):
            receiveHead(head, context: context)
        case (.body(var chunk), .admitting(let exchange, var body, let ended)):
            guard fits(body, chunk, exchange: exchange, context: context) else { return }
            state = .responding  // Avoid a copy-on-write of `body` while it is appended to.
            body.writeBuffer(&chunk)
            state = .admitting(exchange, body: body, ended: ended)
        case (.end, .admitting(let exchange, let body, _)):
            state = .admitting(exchange, body: body, ended: true)
        case (.body(var chunk), .receivingBody(let exchange, var body)):
            guard fits(body, chunk, exchange: exchange, context: context) else { return }
            state = .responding
            body.writeBuffer(&chunk)
            state = .receivingBody(exchange, body: body)
        case (.end, .receivingBody(let exchange, let body)):
            dispatch(exchange, body: body, context: context)
        case (.end, .discardingBody):
            state = .awaitingHead
            setDeadline(.idle, in: quiescing ? DrainRequest.idleGrace : limits.idleTimeout, context: context)
        default:
            // Body parts being dropped, parts after an error answer, or a client ignoring our
            // Connection: close.
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendTimer?.cancel()
            sendTimer = nil
            // What waited for the client to read: in order, until it stalls again.
            while !stalled.isEmpty, context.channel.isWritable || !Self.isHead(stalled[0]) {
                receive(stalled.removeFirst(), context: context)
            }
            readIfRequested(context: context)
        } else if sendTimer == nil {
            // A client that stops reading holds our responses in memory: not for long.
            sendTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.sendTimeout) {
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
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
        sendTimer?.cancel()
        sendTimer = nil
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
        let requestID = RequestID.accept(head.headers.first(name: RequestID.headerName), generator: &requestIDs)
        let exchange = Exchange(
            request: HTTPRequest(head: head, body: ByteBuffer(), requestID: requestID, remoteAddress: context.channel.remoteAddress),
            startedAt: startedAt,
            context: RequestContext(eventLoop: context.eventLoop, logger: logger, requestID: requestID))
        state = .admitting(exchange, body: context.channel.allocator.buffer(capacity: 0), ended: false)
        setDeadline(.read, in: limits.readTimeout, now: startedAt, context: context)

        let admission = responder.admit(exchange.request, context: exchange.context)
        if case .pending(let decided) = admission {
            readsPaused = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            decided.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                handler.resumeReads(context: context)
                switch result {
                case .success(let admission): handler.admitted(admission, context: context)
                case .failure: handler.admitted(.answer(.internalError), context: context)
                }
            }
        } else {
            admitted(admission, context: context)
        }
    }

    /// The stages' decision on the head in hand (never `.pending` here).
    private func admitted(_ admission: Admission, context: ChannelHandlerContext) {
        guard case .admitting(let exchange, let body, let ended) = state else { return }
        switch admission {
        case .pending(let decided):
            // A stage chained another wait: keep waiting, with reads still held.
            state = .admitting(exchange, body: body, ended: ended)
            readsPaused = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            decided.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                handler.resumeReads(context: context)
                handler.admitted((try? result.get()) ?? .answer(.internalError), context: context)
            }
        case .proceed(let admittedContext):
            exchange.context = admittedContext
            if ended {
                dispatch(exchange, body: body, context: context)
                return
            }
            if exchange.head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // Only now: a client waiting for it sends nothing a refusal would have wasted.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: exchange.head.version, status: .continue))), promise: nil)
            }
            state = .receivingBody(exchange, body: body)
        case .answer(let response):
            answerEarly(response, exchange: exchange, bodyEnded: ended, context: context)
        }
    }

    /// Answers a request on its head. A small body still to come is read and dropped so the
    /// connection can serve the next request; anything larger, of unknown length, or held back
    /// by `Expect: 100-continue` closes the connection after the answer.
    private func answerEarly(_ response: HTTPResponse, exchange: Exchange, bodyEnded: Bool, context: ChannelHandlerContext) {
        let head = exchange.head
        let request = exchange.request
        if bodyEnded || Self.hasNoBody(head) {
            write(response, for: request, startedAt: exchange.startedAt, keepAlive: head.isKeepAlive, context: context)
            return
        }
        let length = head.headers.first(name: "content-length").flatMap(Int.init)
        let expectsContinue = head.headers["expect"].contains { $0.lowercased() == "100-continue" }
        guard let length, length <= Self.discardableBodyBytes, !expectsContinue else {
            write(response, for: request, startedAt: exchange.startedAt, keepAlive: false, context: context)
            return
        }
        write(response, for: request, startedAt: exchange.startedAt, keepAlive: head.isKeepAlive, discardingBody: true, context: context)
    }

    private func dispatch(_ exchange: Exchange, body: ByteBuffer, context: ChannelHandlerContext) {
        deadline = nil
        state = .responding
        let request = body.readableBytes == 0 ? exchange.request : HTTPRequest(exchange.request, body: body)
        switch responder.respond(to: request, context: exchange.context) {
        case .now(let response):
            write(response, for: request, startedAt: exchange.startedAt, keepAlive: exchange.head.isKeepAlive, context: context)
        case .later(let start):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let startedAt = exchange.startedAt
            start(context.eventLoop).hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                let response = (try? result.get()) ?? .internalError
                handler.write(response, for: request, startedAt: startedAt, keepAlive: request.head.isKeepAlive, context: context)
            }
        }
    }

    /// Whether the body may grow by `chunk`; otherwise 413 and close.
    private func fits(_ body: ByteBuffer, _ chunk: ByteBuffer, exchange: Exchange, context: ChannelHandlerContext) -> Bool {
        guard body.readableBytes + chunk.readableBytes > limits.maxBodyBytes else { return true }
        reject(head: exchange.head, status: .payloadTooLarge, code: "payload_too_large",
               description: "The request body exceeds \(limits.maxBodyBytes) bytes", context: context)
        return false
    }

    private func resumeReads(context: ChannelHandlerContext) {
        readsPaused = false
        readIfRequested(context: context)
    }

    /// Passes on a read held back, once nothing holds it any more.
    private func readIfRequested(context: ChannelHandlerContext) {
        guard readRequested, !readsPaused, context.channel.isWritable else { return }
        readRequested = false
        context.read()
    }

    /// Answers a request that will not be served and closes the connection, since its body
    /// (if any) is left unread.
    private func reject(
        head: HTTPRequestHead, status: HTTPResponseStatus, code: String, description: String,
        context: ChannelHandlerContext
    ) {
        let requestID = RequestID.accept(head.headers.first(name: RequestID.headerName), generator: &requestIDs)
        let request = HTTPRequest(
            head: head, body: ByteBuffer(), requestID: requestID, remoteAddress: context.channel.remoteAddress)
        write(.error(status, code: code, description: description), for: request, startedAt: .now(), keepAlive: false, context: context)
    }

    private func write(
        _ response: HTTPResponse, for request: HTTPRequest, startedAt: NIODeadline, keepAlive: Bool,
        discardingBody: Bool = false, context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else { return }
        // These headers are the connection's alone (no route sets them), so they are added, not
        // searched for and replaced.
        var headers = response.headers
        // One copy of the route's (often shared, prebuilt) headers, large enough for ours.
        headers.reserveCapacity(headers.count + 5)
        headers.add(name: RequestID.headerName, value: request.requestID)
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        if !headers.contains(name: "Cache-Control") {
            headers.add(name: "Cache-Control", value: "no-store")
        }
        let body = request.method == .HEAD ? nil : response.body
        headers.add(name: "Content-Length", value: String(response.body?.readableBytes ?? 0))
        let keepAlive = keepAlive && !quiescing && !Self.isClosing(state)
        // HTTP/1.1 keeps a connection unless told otherwise; HTTP/1.0 closes it unless told.
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if request.head.version.major == 1 && request.head.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }

        let duration = NIODeadline.now() - startedAt
        accessLog.record(request: request, response: response, duration: duration, into: accessLogBuffer)
        if let observer {
            observer.answered?(request, response, duration)
            observer.requestCompleted(observer.counters.requestCompleted())
        }
        // The next state before `.end` is written: NIO's pipelining handler hands over a request
        // it held back as soon as it sees `.end`, and that request must find us ready for it.
        if keepAlive {
            state = discardingBody ? .discardingBody : .awaitingHead
            setDeadline(discardingBody ? .read : .idle, in: discardingBody ? limits.readTimeout : limits.idleTimeout, context: context)
        } else {
            state = .closing
            deadline = nil
        }

        let head = HTTPResponseHead(version: request.head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        guard !keepAlive else {
            // No promise: nothing waits for a kept-alive response's write.
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlushAndReturnFuture(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
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
        switch (timeout, state) {
        case (.read, .admitting(let exchange, _, _)), (.read, .receivingBody(let exchange, _)):
            reject(head: exchange.head, status: .requestTimeout, code: "request_timeout",
                   description: "The request was not received in time", context: context)
        default:
            context.close(promise: nil)
        }
    }

    private static func isHead(_ part: HTTPServerRequestPart) -> Bool {
        if case .head = part { return true }
        return false
    }

    private static func isAwaitingHead(_ state: State) -> Bool {
        if case .awaitingHead = state { return true }
        return false
    }

    private static func isClosing(_ state: State) -> Bool {
        if case .closing = state { return true }
        return false
    }

    /// Neither a length nor chunked transfer: nothing follows the head.
    private static func hasNoBody(_ head: HTTPRequestHead) -> Bool {
        let length = head.headers.first(name: "content-length").flatMap(Int.init)
        return length == 0 || (length == nil && !head.headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") })
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

extension HTTPResponse {
    static let internalError = HTTPResponse.error(.internalServerError, code: "internal_error", description: "The request could not be processed")
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushAndReturnFuture(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}
