import Common
import Glibc
import Logging

/// The supervisor's one loop, after Gunicorn's arbiter: wait for a signal, a worker message or
/// a timer; then reap, murder, manage; repeat until stopped.
///
/// Single-threaded: signals are blocked and read from a signalfd, workers are started with
/// posix_spawn, timers come from the poll timeout.
final class Arbiter {
    enum Phase: Equatable {
        case running
        /// A new generation is starting; the old one leaves once it is ready.
        case reloading(generation: Int)
        case stopping(deadline: Duration, graceful: Bool)
    }

    static let handledSignals = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGCHLD]
    /// Consecutive workers that died before ever being ready, after which the supervisor gives up.
    static let crashLoopLimit = 5
    /// How long a worker gets between SIGABRT (or SIGQUIT) and SIGKILL.
    static let killGrace: Duration = .seconds(2)

    private(set) var configuration: GatehouseConfiguration
    private let reloadConfiguration: () throws(ConfigurationError) -> ConfigurationLoader.Loaded
    private let workerExecutable: String
    private let workerEnvironment: [String: String]
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let signals: SignalFileDescriptor
    private var sockets: SocketSet
    private let watchdog: WatchdogSettings?

    private var workers: [pid_t: WorkerRecord] = [:]
    private var targetCount: Int
    private var generation = 1
    private var phase = Phase.running
    private var backoff = RestartBackoff()
    private var consecutiveBootFailures = 0
    private var lastBootFailure: String?
    private var announcedReady = false
    /// A HUP that came during a reload, run once that reload ends.
    private var reloadPending = false
    private var lastWatchdogPing: Duration = .zero
    private var exitCode: Int32 = 0
    private let upgradeLaunch: UpgradeLaunch
    private var upgradeChild: BinaryUpgrade.Child?
    private var upgradeParent: BinaryUpgrade.Parent?
    private let pidfile: Pidfile?
    private let logOutput: LogOutput

    /// What a binary upgrade starts: this program as it was started.
    struct UpgradeLaunch {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
    }

    init(
        configuration: GatehouseConfiguration,
        reloadConfiguration: @escaping () throws(ConfigurationError) -> ConfigurationLoader.Loaded,
        workerExecutable: String, workerEnvironment: [String: String], sockets: SocketSet,
        signals: consuming SignalFileDescriptor, notifier: SystemdNotifier, watchdog: WatchdogSettings?, logger: Logger,
        upgradeLaunch: UpgradeLaunch, upgradeParent: BinaryUpgrade.Parent?, pidfile: Pidfile?, logOutput: LogOutput
    ) {
        self.logOutput = logOutput
        self.upgradeLaunch = upgradeLaunch
        self.upgradeParent = upgradeParent
        self.pidfile = pidfile
        self.configuration = configuration
        self.reloadConfiguration = reloadConfiguration
        self.workerExecutable = workerExecutable
        self.workerEnvironment = workerEnvironment
        self.sockets = sockets
        self.signals = signals
        self.notifier = notifier
        self.watchdog = watchdog
        self.logger = logger
        self.targetCount = configuration.workers
    }

    /// Runs until stopped; returns the process exit status.
    func run() -> Int32 {
        logger.info("supervisor started", metadata: [
            "event": "supervisor.started", "workers": .stringConvertible(targetCount),
            "listen": .array(sockets.boundDescriptions.map { .string($0) }),
        ])
        manageWorkers()
        while true {
            var watched = [signals.fileDescriptor] + workers.values.map(\.control.fileDescriptor)
            if let upgradeChild { watched.append(upgradeChild.control.fileDescriptor) }
            let readable = Poller.wait(for: watched, timeoutMilliseconds: pollTimeout())
            for signal in signals.drain() { handle(signal) }
            if let upgradeChild, readable.contains(upgradeChild.control.fileDescriptor) { readUpgradeChild() }
            for pid in workers.keys.sorted() where readable.contains(workers[pid]!.control.fileDescriptor) {
                readMessages(from: pid)
            }
            reapWorkers()
            murderWorkers()
            if case .stopping = phase {
                if workers.isEmpty { break }
            } else {
                manageWorkers()
            }
            pingWatchdog()
            superviseUpgrade()
            writeStatus()
        }
        sockets.closeAll()
        logger.info("supervisor stopped", metadata: ["event": "supervisor.stopped", "exit_status": .stringConvertible(exitCode)])
        return exitCode
    }

    // MARK: - Signals

    private func handle(_ signal: Int32) {
        switch signal {
        case SIGTERM, SIGINT:
            stop(graceful: true, reason: SignalName.of(signal))
        case SIGQUIT:
            stop(graceful: false, reason: "SIGQUIT")
        case SIGHUP:
            reload()
        case SIGTTIN:
            targetCount += 1
            logger.info("worker count raised", metadata: ["event": "workers.increase", "workers": .stringConvertible(targetCount)])
        case SIGTTOU:
            if targetCount > 1 {
                targetCount -= 1
                logger.info("worker count lowered", metadata: ["event": "workers.decrease", "workers": .stringConvertible(targetCount)])
            }
        case SIGUSR1:
            do {
                try logOutput.reopen()
                logger.info("log file reopened", metadata: ["event": "logs.reopened"])
            } catch {
                FileDescriptorWriter.standardError("gatehouse: cannot reopen the log file: \(error)\n")
            }
            for worker in workers.values { kill(worker.pid, SIGUSR1) }
        case SIGUSR2:
            startUpgrade()
        default:
            break  // SIGCHLD only wakes the loop; reaping happens every turn.
        }
    }

    private func stop(graceful: Bool, reason: String) {
        let now = MonotonicClock.now()
        if case .stopping(_, let wasGraceful) = phase, graceful || !wasGraceful { return }
        let deadline = now + (graceful ? configuration.gracefulTimeout : Self.killGrace)
        phase = .stopping(deadline: deadline, graceful: graceful)
        logger.info("stopping", metadata: [
            "event": "supervisor.stopping", "reason": .string(reason), "graceful": .stringConvertible(graceful),
        ])
        notifier.notify([.stopping, .status("Stopping (\(reason))")])
        for pid in workers.keys { terminate(pid, signal: graceful ? SIGTERM : SIGQUIT, deadline: deadline) }
    }

    private func reload() {
        switch phase {
        case .running:
            break
        case .reloading:
            // Kept, not dropped: the operator may have changed the configuration again.
            reloadPending = true
            logger.info("reload queued: it starts once the reload in progress completes", metadata: ["event": "reload.queued"])
            return
        case .stopping:
            logger.warning("reload ignored: stopping", metadata: ["event": "reload.ignored"])
            return
        }
        reloadPending = false
        notifier.notify([.reloadingNow, .status("Reloading")])
        logger.info("reloading", metadata: ["event": "reload.started"])
        let loaded: ConfigurationLoader.Loaded
        do {
            loaded = try reloadConfiguration()
        } catch {
            logger.error("reload refused: the new configuration is invalid; keeping the current one", metadata: [
                "event": "reload.failed", "problems": .array(error.problems.map { .string($0.description) }),
            ])
            notifier.notify([.ready, .status(statusLine)])
            return
        }
        if loaded.configuration.bind != configuration.bind {
            logger.warning("GATEHOUSE_BIND changed: a reload keeps the current sockets; restart to rebind", metadata: ["event": "reload.bind_unchanged"])
        }
        var next = loaded.configuration
        next.bind = configuration.bind
        configuration = next
        targetCount = next.workers
        generation += 1
        phase = .reloading(generation: generation)
    }

    // MARK: - Worker messages

    private func readMessages(from pid: pid_t) {
        guard var worker = workers[pid] else { return }
        defer { workers[pid] = worker }
        while true {
            switch worker.control.receive() {
            case .message(.ready):
                guard worker.state == .booting else { continue }
                worker.state = .ready
                worker.wasReady = true
                worker.lastHeartbeat = MonotonicClock.now()
                backoff.workerReady(slot: worker.slot)
                consecutiveBootFailures = 0
                logger.info("worker ready", metadata: workerMetadata(worker, event: "worker.ready"))
            case .message(.heartbeat(let counters)):
                worker.lastHeartbeat = MonotonicClock.now()
                worker.requests = counters.requests
                worker.connections = counters.connections
            case .message(.retiring(let reason)):
                if worker.state == .ready {
                    worker.state = .retiring
                    var metadata = workerMetadata(worker, event: "worker.retiring")
                    metadata["reason"] = .string(reason)
                    logger.info("worker retiring", metadata: metadata)
                }
            case .message(.metrics):
                continue  // Served by the metrics work.
            case .garbage:
                logger.warning("unreadable control message", metadata: workerMetadata(worker, event: "worker.protocol_error"))
            case .empty, .closed:
                return  // Closed: the exit is handled when the process is reaped.
            }
        }
    }

    // MARK: - Reap, murder, manage

    private func reapWorkers() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            if let child = upgradeChild, child.pid == pid {
                child.control.close()
                upgradeChild = nil
                logger.error("binary upgrade failed: the new supervisor exited before it was ready; still serving", metadata: [
                    "event": "upgrade.failed", "new_pid": .stringConvertible(pid),
                    "status": .string(WaitStatus(rawValue: status).description),
                ])
                continue
            }
            // As PID 1 in a container every orphan ends up here; only workers matter.
            guard let worker = workers.removeValue(forKey: pid) else { continue }
            worker.control.close()
            let exit = WaitStatus(rawValue: status)
            var metadata = workerMetadata(worker, event: "worker.exited")
            metadata["status"] = .string(exit.description)
            if worker.isLeaving {
                logger.info("worker exited", metadata: metadata)
                continue
            }
            logger.error("worker exited unexpectedly", metadata: metadata)
            backoff.workerExited(slot: worker.slot, wasReady: worker.wasReady, now: MonotonicClock.now())
            if !worker.wasReady {
                consecutiveBootFailures += 1
                lastBootFailure = exit.description
                if consecutiveBootFailures >= Self.crashLoopLimit, !announcedReady || phase != .running {
                    haltCrashLoop()
                }
            }
        }
    }

    private func haltCrashLoop() {
        guard case .running = phase else {
            if case .reloading = phase { abandonReload() }
            return
        }
        let message = "workers keep failing during boot (\(consecutiveBootFailures) in a row, last: \(lastBootFailure ?? "unknown")); giving up. Check the worker log lines above."
        logger.critical("\(message)", metadata: ["event": "supervisor.crash_loop"])
        FileDescriptorWriter.standardError("gatehouse: \(message)\n")
        exitCode = 1
        stop(graceful: false, reason: "crash loop")
    }

    /// A reload whose new workers cannot boot: keep serving with the old generation.
    private func abandonReload() {
        logger.error("reload abandoned: the new workers keep failing during boot; the previous generation keeps serving",
                     metadata: ["event": "reload.failed"])
        let now = MonotonicClock.now()
        for (pid, worker) in workers where worker.generation == generation {
            terminate(pid, signal: SIGTERM, deadline: now + configuration.gracefulTimeout)
        }
        generation -= 1
        consecutiveBootFailures = 0
        phase = .running
        notifier.notify([.ready, .status(statusLine)])
        if reloadPending { reload() }
    }

    /// Workers that stopped heartbeating get SIGABRT, then SIGKILL; leaving workers that
    /// overstay their deadline get SIGKILL.
    private func murderWorkers() {
        let now = MonotonicClock.now()
        for (pid, worker) in workers {
            switch worker.state {
            case .stopping(let deadline), .aborting(let deadline):
                if now >= deadline {
                    kill(pid, SIGKILL)
                    workers[pid]?.state = .aborting(deadline: now + .seconds(3600))
                }
            case .booting, .ready, .retiring:
                if now - worker.lastHeartbeat > configuration.workerTimeout {
                    var metadata = workerMetadata(worker, event: "worker.timeout")
                    metadata["silent_seconds"] = .stringConvertible((now - worker.lastHeartbeat).components.seconds)
                    logger.error("worker timed out; aborting it", metadata: metadata)
                    kill(pid, SIGABRT)
                    workers[pid]?.state = .aborting(deadline: now + Self.killGrace)
                }
            }
        }
    }

    /// Spawns what each slot lacks and retires what is no longer needed.
    private func manageWorkers() {
        let now = MonotonicClock.now()
        for slot in 0..<targetCount where candidates(in: slot).isEmpty && backoff.canSpawn(slot: slot, now: now) {
            spawnWorker(slot: slot)
        }
        let everySlotReady = (0..<targetCount).allSatisfy { slot in candidates(in: slot).contains { $0.state == .ready } }

        for (pid, worker) in workers where !worker.isLeaving {
            let isCurrent = worker.generation == generation && worker.slot < targetCount
            if worker.slot >= targetCount {
                terminate(pid, signal: SIGTERM, deadline: now + configuration.gracefulTimeout)  // TTOU.
            } else if worker.generation < generation && everySlotReady {
                terminate(pid, signal: SIGTERM, deadline: now + configuration.gracefulTimeout)  // Reload.
            } else if isCurrent && worker.state == .retiring && candidates(in: worker.slot).contains(where: { $0.state == .ready }) {
                terminate(pid, signal: SIGTERM, deadline: now + configuration.gracefulTimeout)  // Recycled.
            }
        }
        if !workers.values.contains(where: { $0.slot >= targetCount }) {
            sockets.release(slotsFrom: targetCount)
        }

        if everySlotReady {
            if case .reloading = phase {
                phase = .running
                logger.info("reload complete", metadata: ["event": "reload.completed", "generation": .stringConvertible(generation)])
                notifier.notify([.ready, .status(statusLine)])
                if reloadPending { reload() }
            } else if !announcedReady {
                announcedReady = true
                logger.info("ready", metadata: ["event": "supervisor.ready", "workers": .stringConvertible(targetCount)])
                notifier.notify([.ready, .status(statusLine)])
            }
        }
    }

    private func candidates(in slot: Int) -> [WorkerRecord] {
        workers.values.filter { $0.slot == slot && $0.generation == generation && $0.isServingCandidate }
    }

    private func spawnWorker(slot: Int) {
        do {
            let listening = try sockets.sockets(for: slot)
            let (supervisorEnd, workerEnd) = try ControlSocket.pair()
            defer { workerEnd.close() }
            let descriptors = WorkerHandOff.descriptors(
                listening: listening.map(\.fileDescriptor), control: workerEnd.fileDescriptor)
            let environment = workerEnvironment.merging(WorkerHandOff.environment(listeningCount: listening.count, slot: slot)) { _, new in new }
            let pid = try ProcessSpawner().spawn(
                executable: workerExecutable, arguments: [], environment: environment, descriptors: descriptors,
                heldSignals: WorkerHandOff.heldSignals)
            let now = MonotonicClock.now()
            let worker = WorkerRecord(
                pid: pid, slot: slot, generation: generation, control: supervisorEnd, startedAt: now, lastHeartbeat: now)
            workers[pid] = worker
            logger.info("worker spawned", metadata: workerMetadata(worker, event: "worker.spawned"))
        } catch {
            logger.error("cannot start a worker", metadata: ["event": "worker.spawn_failed", "error": .string("\(error)")])
            backoff.workerExited(slot: slot, wasReady: false, now: MonotonicClock.now())
            consecutiveBootFailures += 1
            lastBootFailure = "\(error)"
            if consecutiveBootFailures >= Self.crashLoopLimit { haltCrashLoop() }
        }
    }

    private func terminate(_ pid: pid_t, signal: Int32, deadline: Duration) {
        guard let worker = workers[pid], !worker.isLeaving else { return }
        kill(pid, signal)
        workers[pid]?.state = .stopping(deadline: deadline)
    }

    // MARK: - Binary upgrade

    private func startUpgrade() {
        guard case .running = phase, upgradeChild == nil, upgradeParent == nil else {
            logger.warning("binary upgrade ignored: not running steadily, or an upgrade is in progress", metadata: ["event": "upgrade.ignored"])
            return
        }
        do {
            let child = try BinaryUpgrade.start(
                executable: upgradeLaunch.executable, arguments: upgradeLaunch.arguments,
                environment: upgradeLaunch.environment, sockets: sockets)
            upgradeChild = child
            logger.info("binary upgrade started", metadata: ["event": "upgrade.started", "new_pid": .stringConvertible(child.pid)])
        } catch {
            logger.error("binary upgrade failed: \(error)", metadata: ["event": "upgrade.failed"])
        }
    }

    /// The old supervisor hears `ready` from the new one: hand over and retire.
    private func readUpgradeChild() {
        guard let child = upgradeChild else { return }
        while case .message(let message) = child.control.receive() {
            guard message == .ready else { continue }
            logger.info("binary upgrade complete; retiring this supervisor's workers", metadata: [
                "event": "upgrade.completed", "new_pid": .stringConvertible(child.pid),
            ])
            notifier.notify([.mainPID(child.pid), .ready, .status("Upgraded to pid \(child.pid)")])
            child.control.close()
            upgradeChild = nil
            stop(graceful: true, reason: "upgraded")
            return
        }
    }

    /// Both sides of an upgrade in progress: the old one gives up on a new one that never gets
    /// ready; the new one tells the old one when it is ready and takes over the pidfile once
    /// the old one has gone.
    private func superviseUpgrade() {
        if let child = upgradeChild, MonotonicClock.now() - child.startedAt > BinaryUpgrade.readyTimeout {
            logger.error("binary upgrade failed: the new supervisor did not get ready in time; stopping it", metadata: [
                "event": "upgrade.failed", "new_pid": .stringConvertible(child.pid),
            ])
            kill(child.pid, SIGTERM)
            upgradeChild?.startedAt = MonotonicClock.now() + .seconds(3600)  // Reaped when it exits.
        }
        guard var parent = upgradeParent else { return }
        if announcedReady && !parent.toldReady {
            parent.toldReady = parent.control.send(.ready)
            upgradeParent = parent
        }
        if getppid() != parent.pid {
            parent.control.close()
            upgradeParent = nil
            do {
                try pidfile?.promoteFromUpgrade()
            } catch {
                logger.error("cannot take over the pidfile: \(error)", metadata: ["event": "pidfile.failed"])
            }
            logger.info("the previous supervisor has gone; this one is the supervisor now", metadata: ["event": "upgrade.taken_over"])
        }
    }

    // MARK: - Timers and status

    /// Until the nearest timer: a leaving worker's deadline, a heartbeat timeout, a backoff,
    /// the watchdog; at most a second, so the loop also notices what has no timer.
    private func pollTimeout() -> Int32 {
        let now = MonotonicClock.now()
        var next = now + .seconds(1)
        for worker in workers.values {
            switch worker.state {
            case .stopping(let deadline), .aborting(let deadline): next = min(next, deadline)
            default: next = min(next, worker.lastHeartbeat + configuration.workerTimeout)
            }
        }
        if let backoff = backoff.nextDeadline { next = min(next, backoff) }
        if let watchdog { next = min(next, lastWatchdogPing + watchdog.pingInterval) }
        let wait = max(.zero, next - now)
        return Int32(clamping: wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1)
    }

    private func pingWatchdog() {
        guard let watchdog else { return }
        let now = MonotonicClock.now()
        if now - lastWatchdogPing >= watchdog.pingInterval {
            lastWatchdogPing = now
            notifier.notify([.watchdog, .status(statusLine)])
        }
    }

    private var lastStatus: (report: StatusReport, writtenAt: Duration)?

    /// Keeps `<pidfile>.status` current for `gatehouse status`.
    private func writeStatus() {
        guard let pidfile else { return }
        let now = MonotonicClock.now()
        let phaseName = switch phase {
        case .running: "running"
        case .reloading: "reloading"
        case .stopping: "stopping"
        }
        let report = StatusReport(
            supervisorPID: getpid(), phase: phaseName, generation: generation, targetWorkers: targetCount,
            workers: workers.values.map { worker in
                let state = switch worker.state {
                case .booting: "booting"
                case .ready: "ready"
                case .retiring: "retiring"
                case .stopping: "stopping"
                case .aborting: "aborting"
                }
                return StatusReport.Worker(
                    pid: worker.pid, slot: worker.slot, generation: worker.generation, state: state,
                    ageSeconds: Int((now - worker.startedAt).components.seconds), requests: worker.requests,
                    connections: worker.connections)
            })
        var comparable = report
        comparable.workers = comparable.workers.map { var worker = $0; worker.ageSeconds = 0; worker.requests = 0; worker.connections = 0; return worker }
        if let last = lastStatus, now - last.writtenAt < .seconds(1), last.report == comparable { return }
        try? report.write(to: StatusReport.path(forPidfile: pidfile.path))
        lastStatus = (comparable, now)
    }

    private var statusLine: String {
        let ready = workers.values.filter { $0.state == .ready }.count
        return "\(ready) of \(targetCount) workers ready, generation \(generation)"
    }

    private func workerMetadata(_ worker: WorkerRecord, event: String) -> Logger.Metadata {
        ["event": .string(event), "worker_pid": .stringConvertible(worker.pid), "slot": .stringConvertible(worker.slot),
         "generation": .stringConvertible(worker.generation)]
    }
}
