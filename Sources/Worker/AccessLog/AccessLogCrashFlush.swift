import Common
import Glibc
import NIOConcurrencyHelpers

/// Writes the access lines still pending in every buffer when the worker crashes (a trap, a
/// fault, or the supervisor's SIGABRT for a stuck loop), so the requests served just before a
/// crash are in the log, as they were when each line was written at once. Installed once per
/// process; the previous handlers (the Swift runtime's backtracer) run afterwards.
///
/// A signal handler can reach nothing but globals: the table below is the one piece of global
/// mutable state in the worker, written only when a buffer is made or freed.
enum AccessLogCrashFlush {
    private struct Slot {
        var storage: UnsafeRawPointer
        var pending: UnsafeMutablePointer<Int>
        var output: Unmanaged<LogOutput>
    }

    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT]
    private static let slotCount = 8

    nonisolated(unsafe) private static var slots = [Slot?](repeating: nil, count: slotCount)
    nonisolated(unsafe) private static var previous: [sigaction] = Array(repeating: sigaction(), count: 64)
    nonisolated(unsafe) private static var installed = false
    private static let lock = NIOLock()

    static func register(storage: UnsafeRawPointer, pending: UnsafeMutablePointer<Int>, output: LogOutput) {
        lock.withLock {
            installIfNeeded()
            guard let free = slots.firstIndex(where: { $0 == nil }) else { return }
            slots[free] = Slot(storage: storage, pending: pending, output: .passRetained(output))
        }
    }

    static func unregister(pending: UnsafeMutablePointer<Int>) {
        lock.withLock {
            guard let index = slots.firstIndex(where: { $0?.pending == pending }) else { return }
            slots[index]?.output.release()
            slots[index] = nil
        }
    }

    private static func installIfNeeded() {
        guard !installed else { return }
        installed = true
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in
                AccessLogCrashFlush.flushPending()
                AccessLogCrashFlush.handOver(signal, synchronous: (info?.pointee.si_code ?? 0) > 0)
            }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, &previous[Int(signal)])
        }
    }

    /// Only async-signal-safe work: reads of the table and `write(2)` under a lock never waited for.
    private static func flushPending() {
        for slot in slots {
            guard let slot, slot.pending.pointee > 0 else { continue }
            slot.output.takeUnretainedValue().writeIfIdle(UnsafeRawBufferPointer(start: slot.storage, count: slot.pending.pointee))
            slot.pending.pointee = 0
        }
    }

    /// Puts the previous handler back and lets it have the signal: a fault the kernel raised
    /// happens again on return (with its own details for the backtracer); a sent one is raised anew.
    private static func handOver(_ signal: Int32, synchronous: Bool) {
        sigaction(signal, &previous[Int(signal)], nil)
        if !synchronous || signal == SIGTRAP || signal == SIGABRT { raise(signal) }
    }
}
