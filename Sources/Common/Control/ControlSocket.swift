import Glibc

/// One end of a supervisor <-> worker control socketpair (`AF_UNIX`, `SOCK_SEQPACKET`:
/// message boundaries and peer-close detection for free).
public struct ControlSocket: Sendable {
    /// Where a child (a worker, or a new supervisor during an upgrade) finds its end: fixed
    /// and high, so it never collides with the listening sockets placed from fd 3 up.
    public static let inheritedDescriptor: Int32 = 64

    public let fileDescriptor: Int32

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// A connected pair, both close-on-exec: (supervisor's end, worker's end).
    public static func pair() throws(SystemCallError) -> (supervisor: ControlSocket, worker: ControlSocket) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SystemCallError("socketpair")
        }
        return (ControlSocket(fileDescriptor: fds[0]), ControlSocket(fileDescriptor: fds[1]))
    }

    /// Sends without blocking; a full or closed socket drops the message (heartbeats repeat).
    @discardableResult
    public func send(_ message: ControlMessage) -> Bool {
        let bytes = message.encoded
        let sent = bytes.withUnsafeBytes { Glibc.send(fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        return sent == bytes.count
    }

    public enum Received: Sendable, Equatable {
        case message(ControlMessage)
        /// Something arrived that is not a message; ignored, but worth a log line.
        case garbage
        /// Nothing to read right now.
        case empty
        /// The other end closed (the worker exited).
        case closed
    }

    /// Reads one message without blocking.
    public func receive() -> Received {
        var buffer = [UInt8](repeating: 0, count: ControlMessage.maximumSize + 1)
        let count = recv(fileDescriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if count == 0 { return .closed }
        if count < 0 {
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .empty : .closed
        }
        guard let message = ControlMessage(decoding: buffer[..<count]) else { return .garbage }
        return .message(message)
    }

    public func close() {
        _ = Glibc.close(fileDescriptor)
    }
}

