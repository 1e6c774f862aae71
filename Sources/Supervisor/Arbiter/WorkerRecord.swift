import Glibc
import Logging

/// What the arbiter knows about one worker process.
struct WorkerRecord: Equatable {
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
        /// Sent SIGKILL; gone once reaped.
        case killed
    }

    let pid: pid_t
    let slot: Int
    let generation: Int
    let startedAt: Duration
    var lastHeartbeat: Duration
    var state: State = .booting
    var wasReady = false
    var requests: UInt64 = 0
    var connections = 0

    init(pid: pid_t, slot: Int, generation: Int, startedAt: Duration) {
        self.pid = pid
        self.slot = slot
        self.generation = generation
        self.startedAt = startedAt
        self.lastHeartbeat = startedAt
    }

    /// Counts as the slot's worker for its generation: neither leaving nor on its way out.
    var isServingCandidate: Bool {
        state == .booting || state == .ready
    }

    var isLeaving: Bool {
        switch state {
        case .stopping, .aborting, .killed: true
        case .booting, .ready, .retiring: false
        }
    }

    /// What `gatehouse status` shows.
    var stateName: String {
        switch state {
        case .booting: "booting"
        case .ready: "ready"
        case .retiring: "retiring"
        case .stopping: "stopping"
        case .aborting: "aborting"
        case .killed: "killed"
        }
    }

    func metadata(event: String) -> Logger.Metadata {
        ["event": .string(event), "worker_pid": .stringConvertible(pid), "slot": .stringConvertible(slot),
         "generation": .stringConvertible(generation)]
    }
}
