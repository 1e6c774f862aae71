import NIOCore
import NIOHTTP1

/// Collects one request (head and bounded body), asks the router, writes the response.
///
/// One instance per connection, always on that connection's event loop. Pipelined requests are
/// held back by NIO's HTTPServerPipelineHandler until the previous response is complete, so a
/// deferred response (key rotation) cannot be overtaken.
final class IdPHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The body went over the limit: 413 is sent and the connection is closing.
        case rejected
    }

    private let router: IdPRouter
    private let maxBodyBytes: Int
    private var state = State.idle

    init(router: IdPRouter, maxBodyBytes: Int = IdPConfiguration.maxRequestBodyBytes) {
        self.router = router
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBodyBytes {
                reject(context: context, version: head.version)
                return
            }
            if head.headers.first(name: "Expect")?.lowercased() == "100-continue" {
                // curl waits for this before sending bodies over 1 KiB.
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil
                )
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                reject(context: context, version: head.version)
                return
            }
            state = .idle  // drop the reference so the append below does not copy
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case .end:
            guard case .receiving(let head, let body) = state else { return }
            state = .idle
            let request = IdPRequest(
                head: head,
                body: Array(body.readableBytesView),
                localPort: context.channel.localAddress?.port ?? 0,
                remoteIP: context.channel.remoteAddress?.ipAddress
            )
            respond(to: request, head: head, context: context)
        }
    }

    private func respond(to request: IdPRequest, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch router.route(request) {
        case .response(let result):
            write(result, for: head, context: context)
        case .deferred(let work):
            let promise = context.eventLoop.makePromise(of: HTTPResult.self)
            promise.completeWithTask { await work() }
            promise.futureResult.assumeIsolated().whenSuccess { result in
                self.write(result, for: head, context: context)
            }
        }
    }

    private func write(_ result: HTTPResult, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        RequestLog.record(method: head.method, path: String(head.uri.prefix { $0 != "?" && $0 != "#" }), status: result.status)
        let keepAlive = head.isKeepAlive
        var headers = result.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(result.body.count))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        var buffer = context.channel.allocator.buffer(capacity: result.body.count)
        buffer.writeBytes(result.body)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: result.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// 413 and close: the rest of an oversized body is not worth reading.
    private func reject(context: ChannelHandlerContext, version: HTTPVersion) {
        state = .rejected
        let result = HTTPResult.error(.payloadTooLarge, "invalid_request", "Request body over \(maxBodyBytes) bytes")
        var headers = result.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(result.body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        var buffer = context.channel.allocator.buffer(capacity: result.body.count)
        buffer.writeBytes(result.body)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: result.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Connection-level failures (resets, parse errors already answered by NIO): just close.
        context.close(promise: nil)
    }
}
