import MCP
import NIOCore

/// What a tool call came to, whichever route carried it. Each route has a small renderer
/// that turns this into its own answer (REST, legacy MCP, modern MCP).
enum ToolCallResult: Sendable {
    /// The tool ran; its result may still report a failure the model should read (`isError`).
    case completed(CallTool.Result)
    case unknownTool(String)
    /// A valid token without the tool's scope: the step-up challenge.
    case needsScope(AuthRefusal)
    case invalidArguments(ToolArgumentError)
    /// A service the tool needs is down; worth retrying.
    case unavailable(String)
}

/// A value there already, or one that work off the event loop will produce.
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
