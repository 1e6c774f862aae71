import NIOCore

/// A value there already, or one that work off the event loop will produce. Routes answer
/// with it, so a route that answers at once (nearly all of them) goes from request to written
/// response without a promise, a future or a hop.
enum Eventually<Value: Sendable>: Sendable {
    case now(Value)
    case later(@Sendable (any EventLoop) -> EventLoopFuture<Value>)

    func map<Other: Sendable>(_ transform: @escaping @Sendable (Value) -> Other) -> Eventually<Other> {
        switch self {
        case .now(let value): .now(transform(value))
        case .later(let start): .later { eventLoop in start(eventLoop).map(transform) }
        }
    }

    func future(on eventLoop: any EventLoop) -> EventLoopFuture<Value> {
        switch self {
        case .now(let value): eventLoop.makeSucceededFuture(value)
        case .later(let start): start(eventLoop)
        }
    }
}
