/// One RESP2 reply, copied out of hiredis' reply tree so it can outlive `freeReplyObject` and cross
/// threads.
public enum RedisReply: Sendable, Equatable {
    /// A bulk string: arbitrary bytes, NULs included.
    case string([UInt8])
    case integer(Int)
    case array([RedisReply])
    /// A nil bulk string or nil array (`GET` of a missing key, `SET NX` that did not set).
    case null
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    /// The server's error reply (`ERR ...`, `WRONGTYPE ...`, `NOAUTH ...`): the command reached the
    /// server and was refused; the connection stays usable.
    case error(String)

    /// The text of a bulk string (as UTF-8) or of a status.
    public var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let status): status
        default: nil
        }
    }
}
