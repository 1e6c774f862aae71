import Foundation
import Synchronization

/// Where log lines go: standard output (the journal, Docker) or a file that SIGUSR1 reopens
/// after rotation. One `write(2)` per line under a lock, so lines never interleave and a
/// reopen never races a write.
public final class LogOutput: Sendable {
    private struct Sink {
        var descriptor: Int32
        var path: String?
    }

    private let sink: Mutex<Sink>

    public init(fileDescriptor: Int32) {
        sink = Mutex(Sink(descriptor: fileDescriptor, path: nil))
    }

    /// Appends to `path`, creating it if needed.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemCallError("open \(path)") }
        sink = Mutex(Sink(descriptor: fd, path: path))
    }

    public static let standardOutput = LogOutput(fileDescriptor: STDOUT_FILENO)

    /// Opens the file again (after logrotate moved it); a no-op for standard output.
    public func reopen() throws {
        try sink.withLock { sink in
            guard let path = sink.path else { return }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw SystemCallError("open \(path)") }
            close(sink.descriptor)
            sink.descriptor = fd
        }
    }

    func write(_ line: [UInt8]) {
        line.withUnsafeBytes { write($0) }
    }

    /// Writes whole lines rendered elsewhere (a worker's buffered access lines), in one go.
    public func write(_ lines: UnsafeRawBufferPointer) {
        sink.withLock { sink in Self.write(lines, to: sink.descriptor) }
    }

    /// For a crash handler: writes only when no other write holds the sink, since a dying
    /// process must not wait (the crash may have come in the middle of a write).
    public func writeIfIdle(_ lines: UnsafeRawBufferPointer) {
        _ = sink.withLockIfAvailable { sink in Self.write(lines, to: sink.descriptor) }
    }

    private static func write(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) {
        var offset = 0
        while offset < buffer.count {
            let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return  // Nowhere left to report a failing log sink.
            }
            offset += written
        }
    }
}
