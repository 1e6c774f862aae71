import NIOCore

/// Lets the server count connections and requests without the HTTP layer knowing why.
struct ConnectionObserver: Sendable {
    var counters: RequestCounters
    /// Called with the running total after each response.
    var requestCompleted: @Sendable (UInt64) -> Void
    /// Called with each answer and how long it took from the request head.
    var answered: (@Sendable (HTTPRequest, HTTPResponse, TimeAmount) -> Void)? = nil
}
