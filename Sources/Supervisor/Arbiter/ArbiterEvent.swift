import Common
import Glibc

/// What the loop tells `ArbiterState`: what happened (a signal, a worker's message, a child's
/// exit, a turn of the loop) and the outcome of an action that has one.
enum ArbiterEvent: Equatable {
    case signal(Int32)
    case message(from: pid_t, ControlMessage)
    /// Something arrived on a control socket that is not a message.
    case unreadableMessage(from: pid_t)
    /// A child was reaped: a worker, the new supervisor of an upgrade, or any orphan (as PID 1).
    case exited(pid_t, WaitStatus)
    /// One turn of the loop, after the events above: murder, manage, timers and reports.
    case tick

    // Outcomes of actions.
    case spawned(pid: pid_t, slot: Int, generation: Int)
    case spawnFailed(slot: Int, generation: Int, reason: String)
    case configurationLoaded(ArbiterSettings)
    case configurationRefused(problems: [String])
    case upgradeStarted(pid: pid_t)
    case upgradeFailedToStart(reason: String)
    /// The supervisor that started this one (an upgrade) was told `ready`.
    case upgradeParentTold
    /// That supervisor has exited: this one is the supervisor now.
    case upgradeParentGone
}
