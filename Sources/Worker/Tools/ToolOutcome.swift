import MCP
import NIOCore

/// A tool's answer: there already, or coming from work off the event loop (a Redis round trip).
enum ToolOutcome: Sendable {
    case completed(CallTool.Result)
    /// Started on the given event loop; fails with `ToolUnavailable` when a service it needs is down.
    case deferred(@Sendable (any EventLoop) -> EventLoopFuture<CallTool.Result>)
}

/// A service the tool depends on cannot be reached: MCP reports a tool error, REST answers 503.
struct ToolUnavailable: Error, Sendable {
    var message: String
}
