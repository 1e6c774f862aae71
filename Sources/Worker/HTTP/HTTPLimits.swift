import NIOCore

/// Per-connection bounds: what a client may send, and how long it may take.
struct HTTPLimits: Sendable {
    var maxHeaderBytes: Int
    var maxBodyBytes: Int
    /// How long a connection may sit between requests (and before the first one's head).
    var idleTimeout: TimeAmount
    /// How long a request may take to arrive once its head has.
    var readTimeout: TimeAmount
}
