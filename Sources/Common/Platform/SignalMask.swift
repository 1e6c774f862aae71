import Glibc

/// Blocking signals, so that they wait (pending) for code that reads them synchronously.
public enum SignalMask {
    /// Blocks `signals` for the calling thread and the threads it starts from now on.
    public static func hold(_ signals: [Int32]) {
        var mask = set(of: signals)
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    static func set(of signals: [Int32]) -> sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        return mask
    }
}
