import Foundation
import Glibc

/// Signals taken synchronously on a thread of their own. Held first (inherited blocked from
/// the parent, or blocked before the process starts any thread), a signal that arrives before
/// anyone waits stays pending instead of being lost or acted on by default.
public enum SignalWaiter {
    /// Holds `signals` and hands each one, in arrival order, to `handler` on a dedicated
    /// thread, for the life of the process.
    public static func start(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        SignalMask.hold(signals)
        let mask = SignalMask.set(of: signals)
        let thread = Thread {
            var waitedFor = mask
            var info = siginfo_t()
            while true {
                let signal = sigwaitinfo(&waitedFor, &info)
                if signal > 0 { handler(signal) }
            }
        }
        thread.name = "signals"
        thread.start()
    }
}
