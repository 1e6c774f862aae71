/// Why a Redis call failed.
///
/// Transport problems, timeouts and refused credentials are errors; a server's error reply to an
/// ordinary command is a `RedisReply.error` from `command(_:)` and becomes `.server` only in the
/// convenience calls that expect a particular answer. No description ever contains the password: the
/// connection never puts it into a message, and hiredis' own messages are about sockets.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Could not connect, or the connection broke (refused, reset, closed by the server, DNS).
    case connectionFailed(String)
    /// The connect or command timeout passed; the connection was dropped, as a late reply would
    /// otherwise be read as the answer to the next command.
    case timeout
    /// `AUTH` was refused, or the server wants a password and none was configured.
    case authenticationFailed
    /// The server answered with an error where the call needed a result (e.g. `WRONGTYPE`, or a
    /// `SELECT` of a database that does not exist).
    case server(String)
    /// A reply that makes no sense for the call, or a request that cannot be sent.
    case protocolError(String)
    /// The client or subscriber was shut down.
    case closed

    public var description: String {
        switch self {
        case .connectionFailed(let reason): "Redis connection failed: \(reason)"
        case .timeout: "Redis did not answer in time"
        case .authenticationFailed: "Redis authentication failed (wrong or missing password or user)"
        case .server(let message): "Redis error reply: \(message)"
        case .protocolError(let reason): "Redis protocol error: \(reason)"
        case .closed: "Redis client is closed"
        }
    }

    /// An error reply that means "not authenticated" rather than "bad command".
    static func isAuthenticationFailure(_ message: String) -> Bool {
        let code = message.prefix { $0 != " " }
        return code == "NOAUTH" || code == "WRONGPASS"
            || message.hasPrefix("ERR invalid password") || message.hasPrefix("ERR AUTH")
            || message.hasPrefix("ERR Client sent AUTH")
    }
}
