/// Where the supervisor is in its life. Every phase is a case: none is a far-off timestamp.
enum ArbiterPhase: Equatable {
    /// The first generation boots: READY=1 once every slot has a ready worker.
    case booting
    /// READY=1 sent; every slot is kept with a worker.
    case serving
    /// HUP: RELOADING=1 sent; READY=1 when the reload ends.
    case reloading(Reload)
    case stopping(Stop)
    /// Every worker has left and `exit` went out: nothing happens any more.
    case exited(Int32)

    struct Reload: Equatable {
        enum Stage: Equatable {
            /// The configuration is being read.
            case readingConfiguration
            /// The new generation boots beside the one serving, which leaves once every slot of
            /// the new one has a ready worker.
            case starting(previousGeneration: Int)
            /// No new generation after all (an invalid configuration, or new workers that cannot
            /// boot): the reload ends once every slot of the serving one has a ready worker.
            case fallingBack
        }

        var stage: Stage
        /// A HUP that came during this reload: it runs once this one ends, because the operator
        /// may have changed the configuration again.
        var queued = false
        /// Begun before the first READY=1: its end is the supervisor's first readiness.
        var beforeFirstReady: Bool
    }

    struct Stop: Equatable {
        /// TERM and INT let workers finish what they serve; QUIT does not.
        var graceful: Bool
        var exitCode: Int32
    }

    /// READY=1 has been sent and no stop has begun.
    var hasAnnouncedReady: Bool {
        switch self {
        case .serving: true
        case .reloading(let reload): !reload.beforeFirstReady
        case .booting, .stopping, .exited: false
        }
    }

    /// What `gatehouse status` shows.
    var name: String {
        switch self {
        case .booting, .serving: "running"
        case .reloading: "reloading"
        case .stopping, .exited: "stopping"
        }
    }
}
