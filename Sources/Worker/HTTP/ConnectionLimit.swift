import Logging
import NIOCore

/// Takes the place of the HTTP pipeline on a connection accepted past `GATEHOUSE_MAX_CONNECTIONS`:
/// a 503 with `Retry-After`, then close. One client too many is refused cleanly instead of
/// every connection of the worker slowing down (or the worker running out of descriptors).
final class ConnectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let response: [UInt8] = {
        let body = #"{"error":"temporarily_unavailable","error_description":"Too many connections; retry"}"#
        return Array((
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        ).utf8)
    }()

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(context: ChannelHandlerContext) {
        logger.warning("connection refused: too many connections", metadata: ["event": "http.connection_refused"])
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: Self.response))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}
