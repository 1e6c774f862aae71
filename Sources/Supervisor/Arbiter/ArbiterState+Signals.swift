import Common
import Glibc

/// Signals, with Gunicorn's meanings: stop, reload, more or fewer workers, reopen logs, upgrade.
extension ArbiterState {
    mutating func handle(signal: Int32, now: Duration) -> [ArbiterAction] {
        switch signal {
        case SIGTERM, SIGINT:
            return stop(graceful: true, reason: SignalName.of(signal), now: now)
        case SIGQUIT:
            return stop(graceful: false, reason: "SIGQUIT", now: now)
        case SIGHUP:
            return requestReload(now: now)
        case SIGTTIN:
            targetCount += 1
            return [LogRecord.info("worker count raised", ["event": "workers.increase", "workers": .stringConvertible(targetCount)])]
        case SIGTTOU:
            guard targetCount > 1 else { return [] }
            targetCount -= 1
            return [LogRecord.info("worker count lowered", ["event": "workers.decrease", "workers": .stringConvertible(targetCount)])]
        case SIGUSR1:
            return [.reopenLogs] + workers.keys.sorted().map { .signal($0, SIGUSR1) }
        case SIGUSR2:
            return requestUpgrade()
        default:
            return []  // SIGCHLD only wakes the loop; reaping happens every turn.
        }
    }

    /// Graceful: workers get TERM and the graceful timeout. Fast: QUIT and the kill grace, also
    /// for workers already leaving, so a QUIT overtakes a graceful stop in progress.
    mutating func stop(graceful: Bool, reason: String, exitCode: Int32 = 0, now: Duration) -> [ArbiterAction] {
        var exitCode = exitCode
        var systemd: [SystemdState] = [.stopping, .status("Stopping (\(reason))")]
        switch phase {
        case .stopping(let stop):
            guard stop.graceful && !graceful else { return [] }
            exitCode = stop.exitCode
            systemd = [.status("Stopping (\(reason))")]  // STOPPING=1 went out with the first stop.
        case .booting, .serving, .reloading:
            break
        case .exited:
            return []
        }
        phase = .stopping(ArbiterPhase.Stop(graceful: graceful, exitCode: exitCode))
        var actions = [
            LogRecord.info("stopping", ["event": "supervisor.stopping", "reason": .string(reason), "graceful": .stringConvertible(graceful)]),
            .notify(systemd),
        ]
        for pid in workers.keys.sorted() {
            actions += graceful
                ? terminate(pid, signal: SIGTERM, deadline: now + settings.gracefulTimeout)
                : hurry(pid, deadline: now + Self.killGrace)
        }
        return actions
    }

    /// A fast stop's signal to a worker, whether it was serving or already leaving gracefully.
    mutating func hurry(_ pid: pid_t, deadline: Duration) -> [ArbiterAction] {
        guard let worker = workers[pid] else { return [] }
        switch worker.state {
        case .booting, .ready, .retiring:
            workers[pid]?.state = .stopping(deadline: deadline)
        case .stopping(let graceful):
            workers[pid]?.state = .stopping(deadline: min(graceful, deadline))
        case .aborting, .killed:
            return []
        }
        return [.signal(pid, SIGQUIT)]
    }

    // MARK: - Reload

    mutating func requestReload(now: Duration) -> [ArbiterAction] {
        switch phase {
        case .booting:
            return beginReload(beforeFirstReady: true, now: now)
        case .serving:
            return beginReload(beforeFirstReady: false, now: now)
        case .reloading(let reload) where reload.stage == .fallingBack:
            // Nothing left of that reload but its READY=1, which this one's end sends.
            return beginReload(beforeFirstReady: reload.beforeFirstReady, now: now)
        case .reloading(var reload):
            reload.queued = true
            phase = .reloading(reload)
            return [LogRecord.info("reload queued: it starts once the reload in progress completes", ["event": "reload.queued"])]
        case .stopping, .exited:
            return [LogRecord.warning("reload ignored: stopping", ["event": "reload.ignored"])]
        }
    }

    mutating func beginReload(beforeFirstReady: Bool, now: Duration) -> [ArbiterAction] {
        phase = .reloading(ArbiterPhase.Reload(stage: .readingConfiguration, beforeFirstReady: beforeFirstReady))
        return [
            .notify([.reloading(monotonicMicroseconds: Self.microseconds(now)), .status("Reloading")]),
            LogRecord.info("reloading", ["event": "reload.started"]),
            .loadConfiguration,
        ]
    }

    /// The new configuration: a new generation starts at once; the current one serves until
    /// it is ready.
    mutating func configurationLoaded(_ next: ArbiterSettings, now: Duration) -> [ArbiterAction] {
        guard case .reloading(var reload) = phase, reload.stage == .readingConfiguration else { return [] }
        var actions: [ArbiterAction] = []
        if next.bind != settings.bind {
            actions.append(LogRecord.warning(
                "GATEHOUSE_BIND changed: a reload keeps the current sockets; restart to rebind", ["event": "reload.bind_unchanged"]))
        }
        settings = ArbiterSettings(
            workers: next.workers, bind: settings.bind, gracefulTimeout: next.gracefulTimeout, workerTimeout: next.workerTimeout)
        targetCount = next.workers
        reload.stage = .starting(previousGeneration: generation)
        newestGeneration += 1
        generation = newestGeneration
        // The new generation's own count: failures before the reload say nothing about it.
        bootFailures = BootFailures()
        phase = .reloading(reload)
        return actions + manageWorkers(now: now)
    }

    /// An invalid configuration: keep the current one; READY=1 once every slot is ready.
    mutating func configurationRefused(_ problems: [String]) -> [ArbiterAction] {
        guard case .reloading(var reload) = phase, reload.stage == .readingConfiguration else { return [] }
        reload.stage = .fallingBack
        phase = .reloading(reload)
        return [LogRecord.error("reload refused: the new configuration is invalid; keeping the current one", [
            "event": "reload.failed", "problems": .array(problems.map { .string($0) }),
        ]), .count(.reload(.refused))]
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func microseconds(_ time: Duration) -> UInt64 {
        UInt64(clamping: time.components.seconds) * 1_000_000 + UInt64(clamping: time.components.attoseconds / 1_000_000_000_000)
    }
}
