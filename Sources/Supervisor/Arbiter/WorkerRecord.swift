import Common
import Glibc

/// What the arbiter knows about one worker process.
struct WorkerRecord {
    enum State: Equatable {
        /// Started, not yet `ready`.
        case booting
        case ready
        /// Announced it will recycle itself; serving until its replacement is ready.
        case retiring
        /// Sent SIGTERM (or SIGQUIT); SIGKILL at the deadline.
        case stopping(deadline: Duration)
        /// Missed its heartbeats: sent SIGABRT; SIGKILL at the deadline.
        case aborting(deadline: Duration)
    }

    let pid: pid_t
    let slot: Int
    let generation: Int
    let control: ControlSocket
    let startedAt: Duration
    var lastHeartbeat: Duration
    var state: State = .booting
    var requests: UInt64 = 0
    var connections = 0

    /// Counts as the slot's worker for its generation: neither leaving nor on its way out.
    var isServingCandidate: Bool {
        state == .booting || state == .ready
    }

    var isLeaving: Bool {
        switch state {
        case .stopping, .aborting: true
        default: false
        }
    }

    var wasReady: Bool = false
}
