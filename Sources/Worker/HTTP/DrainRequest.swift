import NIOCore

/// Sent down a connection's pipeline when the server starts draining.
///
/// NIO's `ChannelShouldQuiesceEvent` would reach `HTTPServerPipelineHandler` first, which
/// closes idle keep-alive connections at once; a client that sent its next request at that
/// moment sees a reset. This handler sits in front and turns the event into a `DrainRequest`
/// for `HTTPConnectionHandler`, which answers what arrives during a short grace with
/// `Connection: close` and only then closes idle connections.
final class DrainRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            context.fireUserInboundEventTriggered(DrainRequest())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

struct DrainRequest: Sendable {
    /// How long an idle keep-alive connection stays open once draining starts: long enough for
    /// a busy client's next request to arrive and be answered with `Connection: close`.
    static let idleGrace = TimeAmount.milliseconds(1000)
}
