import Synchronization

/// The one place a worker's stop can be asked for: a signal, the supervisor going away, or
/// the worker's own recycling. The first reason wins; later ones are ignored. Any number of
/// tasks may wait for it.
final class ShutdownTrigger: Sendable {
    private enum State {
        case waiting([CheckedContinuation<String, Never>])
        case fired(String)
    }

    private let state = Mutex(State.waiting([]))

    func fire(_ reason: String) {
        let waiters: [CheckedContinuation<String, Never>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .fired(reason)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    var hasFired: Bool {
        state.withLock { if case .fired = $0 { true } else { false } }
    }

    /// Returns the reason once fired.
    func wait() async -> String {
        await withCheckedContinuation { continuation in
            let fired: String? = state.withLock { state in
                switch state {
                case .fired(let reason):
                    return reason
                case .waiting(let waiters):
                    state = .waiting(waiters + [continuation])
                    return nil
                }
            }
            if let fired { continuation.resume(returning: fired) }
        }
    }
}
