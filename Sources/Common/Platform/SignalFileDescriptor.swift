import CSystemShims
import Glibc

/// Signals as readable events: the supervisor blocks the signals it handles (before it starts
/// any thread) and reads them from a `signalfd` in its poll loop, so no handler code runs
/// asynchronously and none can be lost between checks.
public struct SignalFileDescriptor: ~Copyable {
    public let fileDescriptor: Int32

    /// Blocks `signals` for the calling thread (and threads it starts later) and opens a
    /// non-blocking signalfd for them.
    public init(signals: [Int32]) throws(SystemCallError) {
        var mask = SignalMask.set(of: signals)
        guard pthread_sigmask(SIG_BLOCK, &mask, nil) == 0 else { throw SystemCallError("pthread_sigmask") }
        let fd = signalfd(-1, &mask, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard fd >= 0 else { throw SystemCallError("signalfd") }
        fileDescriptor = fd
    }

    deinit {
        close(fileDescriptor)
    }

    /// The signals that arrived since the last call, in order (each at most once per read
    /// batch, as the kernel coalesces pending standard signals).
    public func drain() -> [Int32] {
        var signals: [Int32] = []
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while read(fileDescriptor, &info, size) == size {
            signals.append(Int32(info.ssi_signo))
        }
        return signals
    }
}

/// A failed system call, named, with its errno text.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var code: Int32

    public init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}
