import Foundation

/// A bare TCP connection for the tests URLSession cannot express: oversized or malformed
/// requests, stalled clients, pipelining, and watching the server close a connection.
public final class RawHTTPConnection: @unchecked Sendable {
    private let fd: Int32

    /// `receiveBuffer` shrinks the socket's receive buffer before connecting, for a client that
    /// should stop taking data soon.
    public init(port: Int, host: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
    }

    deinit {
        close(fd)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPIPE) }
            offset += written
        }
    }

    /// Sends `bytes` up to `times` times over, and stops early once a send has waited `stall`
    /// without the peer taking anything: what a client that reads nothing can push in. Returns
    /// the bytes sent.
    public func sendUntilBlocked(_ bytes: [UInt8], times: Int, stall: Duration) -> Int {
        let stallMillis = Int32(stall.components.seconds * 1000 + stall.components.attoseconds / 1_000_000_000_000_000)
        var sent = 0
        for _ in 0..<times {
            var offset = 0
            while offset < bytes.count {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&poller, 1, stallMillis) > 0 else { return sent + offset }
                let written = bytes[offset...].withUnsafeBytes {
                    Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if written < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { continue }
                    return sent + offset
                }
                offset += written
            }
            sent += bytes.count
        }
        return sent
    }

    /// Reads until the peer closes or `timeout` passes; returns what arrived and whether it closed.
    public func readUntilClosed(timeout: Duration) -> (data: String, closed: Bool) {
        var collected: [UInt8] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while clock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = deadline - clock.now
            let millis = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            if poll(&poller, 1, millis) <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return (String(decoding: collected, as: UTF8.self), true) }
            collected.append(contentsOf: buffer[..<count])
        }
        return (String(decoding: collected, as: UTF8.self), false)
    }

    /// Reads until `marker` has been seen `count` times or the timeout passes.
    public func read(until marker: String, count: Int = 1, timeout: Duration) -> String {
        var collected: [UInt8] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while clock.now < deadline {
            let text = String(decoding: collected, as: UTF8.self)
            if text.components(separatedBy: marker).count - 1 >= count { return text }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 50) <= 0 { continue }
            let received = recv(fd, &buffer, buffer.count, 0)
            if received <= 0 { break }
            collected.append(contentsOf: buffer[..<received])
        }
        return String(decoding: collected, as: UTF8.self)
    }
}
