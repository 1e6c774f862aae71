import NIOCore

/// Per-connection bounds: what a client may send, and how long it may take.
struct HTTPLimits: Sendable {
    var maxHeaderBytes: Int
    var maxBodyBytes: Int
    /// How long a connection may sit between requests (and before the first one's head).
    var idleTimeout: TimeAmount
    /// How long a request may take to arrive once its head has.
    var readTimeout: TimeAmount
    /// How long a connection may stay unable to take our responses (a client that does not
    /// read) before it is closed and what it holds is freed.
    var sendTimeout: TimeAmount = .seconds(30)
    /// Connections one worker serves at once.
    var maxConnections = 4096
}
