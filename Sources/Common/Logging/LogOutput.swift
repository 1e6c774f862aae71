import Foundation
import Synchronization

/// Where log lines go. One `write(2)` per line, so lines from many threads never interleave.
public final class LogOutput: Sendable {
    private let descriptor: Mutex<Int32>

    public init(fileDescriptor: Int32) {
        self.descriptor = Mutex(fileDescriptor)
    }

    public static let standardOutput = LogOutput(fileDescriptor: STDOUT_FILENO)

    func write(_ line: [UInt8]) {
        let fd = descriptor.withLock { $0 }
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // Nowhere left to report a failing log sink.
                }
                offset += written
            }
        }
    }
}
