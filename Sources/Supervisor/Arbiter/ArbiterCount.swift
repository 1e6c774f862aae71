/// What the supervisor's metrics count of the arbiter's decisions.
enum ArbiterCount: Equatable {
    case restart(WorkerRestartCause)
    case reload(ReloadOutcome)
}

/// Why a worker was replaced.
enum WorkerRestartCause: String, CaseIterable {
    /// It exited without being asked to.
    case crash
    /// It stopped heartbeating and was aborted.
    case timeout
    /// It retired itself after `GATEHOUSE_MAX_REQUESTS`.
    case recycle
    /// A reload (HUP) replaced its generation.
    case reload
}

/// How a reload (HUP) ended.
enum ReloadOutcome: String, CaseIterable {
    /// The new generation is serving.
    case completed
    /// The new configuration was invalid: nothing changed.
    case refused
    /// The new workers kept failing to boot: the previous generation keeps serving.
    case abandoned
}
