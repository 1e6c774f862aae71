import Common
import NIOCore

/// The access lines of one event loop since its last flush, written out in one `write(2)` once
/// the loop has handled what this tick brought (as nginx's `access_log … buffer=`, flushed every
/// tick rather than on a timer, so a line is never later than the tick that made it).
///
/// Nothing is lost: `flush()` runs at the end of every tick that wrote a line, when the worker
/// stops (`WorkerServer.flushAccessLogs`) and when the buffer is full; a reopen (SIGUSR1)
/// only changes where the next flush goes; and a crash writes what is pending from the signal
/// handler (`AccessLogCrashFlush`) before the process dies.
///
/// Used on its event loop only.
final class AccessLogBuffer {
    /// Far more than a tick's lines at any load measured; a line is a few hundred bytes.
    static let capacity = 64 * 1024

    private let storage: UnsafeMutableRawBufferPointer
    /// Bytes pending, where the crash handler can read them.
    private let pending: UnsafeMutablePointer<Int>
    private let output: LogOutput
    private let eventLoop: any EventLoop
    private var flushScheduled = false

    init(output: LogOutput, eventLoop: any EventLoop) {
        self.output = output
        self.eventLoop = eventLoop
        storage = .allocate(byteCount: Self.capacity, alignment: 16)
        pending = .allocate(capacity: 1)
        pending.initialize(to: 0)
        AccessLogCrashFlush.register(storage: UnsafeRawPointer(storage.baseAddress!), pending: pending, output: output)
    }

    deinit {
        flush()
        AccessLogCrashFlush.unregister(pending: pending)
        storage.deallocate()
        pending.deallocate()
    }

    /// Renders one line after the pending ones and makes sure this tick ends with a flush.
    func appendLine(_ render: (inout AccessLine) -> Void) {
        if !tryAppend(render) {
            flush()
            if !tryAppend(render) { writeOversized(render) }
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.assumeIsolated().execute { self.flush() }
    }

    func flush() {
        flushScheduled = false
        guard pending.pointee > 0 else { return }
        output.write(UnsafeRawBufferPointer(rebasing: storage[..<pending.pointee]))
        pending.pointee = 0
    }

    private func tryAppend(_ render: (inout AccessLine) -> Void) -> Bool {
        var line = AccessLine(storage: UnsafeMutableRawBufferPointer(rebasing: storage[pending.pointee...]))
        render(&line)
        guard !line.overflowed else { return false }
        // Published only once the line is whole: a crash mid-line writes the lines before it.
        pending.pointee += line.count
        return true
    }

    /// A line larger than the whole buffer (it cannot happen with the request limits; kept anyway).
    private func writeOversized(_ render: (inout AccessLine) -> Void) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * Self.capacity, alignment: 16)
        defer { scratch.deallocate() }
        var line = AccessLine(storage: scratch)
        render(&line)
        guard !line.overflowed else { return }
        output.write(UnsafeRawBufferPointer(rebasing: scratch[..<line.count]))
    }
}
