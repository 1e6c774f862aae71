import MCP
import NIOCore

/// A tool's own answer: there already, or coming from work off the event loop (a Redis round trip).
enum ToolOutcome: Sendable {
    case completed(CallTool.Result)
    /// Started on the given event loop; fails with `ToolUnavailable` when a service it needs is down.
    case deferred(@Sendable (any EventLoop) -> EventLoopFuture<CallTool.Result>)
}

/// A service the tool depends on cannot be reached.
struct ToolUnavailable: Error, Sendable {
    var message: String
}
