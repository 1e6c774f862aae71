import Common
import Glibc

/// The arbiter's decisions, without a system call: told what happened (`ArbiterEvent`), it
/// answers with what to do (`ArbiterAction`), which the loop in `Arbiter` carries out. Tests
/// drive it with events alone.
///
/// The handlers live beside the concern they serve: signals, workers, binary upgrade, watchdog
/// and status.
struct ArbiterState {
    /// Consecutive workers that died before ever being ready, after which the supervisor gives up.
    static let crashLoopLimit = 5
    /// How long a worker gets between SIGABRT (or SIGQUIT) and SIGKILL.
    static let killGrace: Duration = .seconds(2)

    var settings: ArbiterSettings
    var phase = ArbiterPhase.booting
    var targetCount: Int
    /// The generation the slots are kept filled with: during a reload, the new one.
    var generation = 1
    /// The newest generation ever started, so that a number is never used twice.
    var newestGeneration = 1
    var workers: [pid_t: WorkerRecord] = [:]
    var backoff = RestartBackoff()
    var bootFailures = BootFailures()
    /// Slots that may hold their own sockets (TCP: one per slot); closed once TTOU empties them.
    var slotsWithSockets: Set<Int>
    var upgrade: Upgrade
    var reporting: Reporting

    /// Workers that died during boot, one after the other: the crash-loop count.
    struct BootFailures {
        var count = 0
        var last: String?
    }

    init(
        settings: ArbiterSettings, supervisorPID: pid_t, watchdogPingInterval: Duration? = nil, reportsStatus: Bool = false,
        upgradeParent: pid_t? = nil
    ) {
        self.settings = settings
        targetCount = settings.workers
        slotsWithSockets = Set(0..<settings.workers)
        upgrade = upgradeParent.map { .successor(parentPID: $0, toldReady: false) } ?? .none
        reporting = Reporting(supervisorPID: supervisorPID, watchdogPingInterval: watchdogPingInterval, reportsStatus: reportsStatus)
    }

    /// The one entry point.
    mutating func handle(_ event: ArbiterEvent, now: Duration) -> [ArbiterAction] {
        if case .exited = phase { return [] }
        switch event {
        case .signal(let signal): return handle(signal: signal, now: now)
        case .message(let pid, let message): return receive(message, from: pid, now: now)
        case .unreadableMessage(let pid): return unreadableMessage(from: pid)
        case .exited(let pid, let status): return reap(pid, status: status, now: now)
        case .tick: return tick(now: now)
        case .spawned(let pid, let slot, let generation): return spawned(pid: pid, slot: slot, generation: generation, now: now)
        case .spawnFailed(let slot, _, let reason): return spawnFailed(slot: slot, reason: reason, now: now)
        case .configurationLoaded(let next): return configurationLoaded(next, now: now)
        case .configurationRefused(let problems): return configurationRefused(problems)
        case .upgradeStarted(let pid): return upgradeStarted(pid: pid, now: now)
        case .upgradeFailedToStart(let reason): return upgradeFailedToStart(reason: reason)
        case .upgradeParentTold: return upgradeParentTold()
        case .upgradeParentGone: return upgradeParentGone()
        }
    }

    /// Gunicorn's turn of the loop: murder the stuck, then manage the slots; or, when
    /// stopping and every worker has left, exit.
    private mutating func tick(now: Duration) -> [ArbiterAction] {
        var actions = murderWorkers(now: now)
        if case .stopping(let stop) = phase, workers.isEmpty {
            phase = .exited(stop.exitCode)
            return actions + [
                LogRecord.info("supervisor stopped", ["event": "supervisor.stopped", "exit_status": .stringConvertible(stop.exitCode)]),
                .exit(stop.exitCode),
            ]
        }
        actions += manageWorkers(now: now)
        actions += superviseUpgrade(now: now)
        actions += pingWatchdog(now: now)
        actions += reportStatus(now: now)
        return actions
    }

    /// When the nearest timer falls due, for the loop's poll timeout: a leaving worker's
    /// deadline, a heartbeat timeout, a backoff, the watchdog; at most a second away, so the
    /// loop also notices what has no timer (an upgrade's old supervisor leaving).
    func nextDeadline(after now: Duration) -> Duration {
        var next = now + .seconds(1)
        for worker in workers.values {
            switch worker.state {
            case .stopping(let deadline), .aborting(let deadline): next = min(next, deadline)
            case .booting, .ready, .retiring: next = min(next, worker.lastHeartbeat + settings.workerTimeout)
            case .killed: break
            }
        }
        if let backoff = backoff.nextDeadline(after: now) { next = min(next, backoff) }
        if let ping = reporting.nextWatchdogPing { next = min(next, ping) }
        return next
    }
}
