import Common
import Glibc

/// Workers: what they say, how they end, and Gunicorn's murder and manage.
extension ArbiterState {
    // MARK: - Spawn

    mutating func spawned(pid: pid_t, slot: Int, generation: Int, now: Duration) -> [ArbiterAction] {
        let worker = WorkerRecord(pid: pid, slot: slot, generation: generation, startedAt: now)
        workers[pid] = worker
        var actions = [LogRecord.info("worker spawned", worker.metadata(event: "worker.spawned"))]
        // Decided earlier in the same turn, before a stop or an abandoned reload: it leaves at once.
        if case .stopping(let stop) = phase {
            actions += stop.graceful
                ? terminate(pid, signal: SIGTERM, deadline: now + settings.gracefulTimeout)
                : hurry(pid, deadline: now + Self.killGrace)
        } else if generation != self.generation || slot >= targetCount {
            actions += terminate(pid, signal: SIGTERM, deadline: now + settings.gracefulTimeout)
        }
        return actions
    }

    mutating func spawnFailed(slot: Int, reason: String, now: Duration) -> [ArbiterAction] {
        backoff.workerExited(slot: slot, wasReady: false, now: now)
        return [LogRecord.error("cannot start a worker", ["event": "worker.spawn_failed", "error": .string(reason)])]
            + bootFailed(reason: reason, now: now)
    }

    // MARK: - Messages

    mutating func receive(_ message: ControlMessage, from pid: pid_t, now: Duration) -> [ArbiterAction] {
        if isSuccessor(pid) { return successorSaid(message, now: now) }
        guard var worker = workers[pid] else { return [] }
        defer { workers[pid] = worker }
        switch message {
        case .ready:
            guard worker.state == .booting else { return [] }
            worker.state = .ready
            worker.wasReady = true
            worker.lastHeartbeat = now
            backoff.workerReady(slot: worker.slot)
            bootFailures = BootFailures()
            return [LogRecord.info("worker ready", worker.metadata(event: "worker.ready"))]
        case .heartbeat(let counters):
            worker.lastHeartbeat = now
            worker.requests = counters.requests
            worker.connections = counters.connections
            return []
        case .retiring(let reason):
            guard worker.state == .ready else { return [] }
            worker.state = .retiring
            var metadata = worker.metadata(event: "worker.retiring")
            metadata["reason"] = .string(reason)
            return [LogRecord.info("worker retiring", metadata)]
        case .metrics:
            return []  // The loop hands snapshots to the metrics.
        }
    }

    func unreadableMessage(from pid: pid_t) -> [ArbiterAction] {
        guard let worker = workers[pid] else { return [] }
        return [LogRecord.warning("unreadable control message", worker.metadata(event: "worker.protocol_error"))]
    }

    // MARK: - Reap

    mutating func reap(_ pid: pid_t, status: WaitStatus, now: Duration) -> [ArbiterAction] {
        if isSuccessor(pid) { return successorExited(status: status) }
        // As PID 1 in a container every orphan ends up here; only workers matter.
        guard let worker = workers.removeValue(forKey: pid) else { return [] }
        var metadata = worker.metadata(event: "worker.exited")
        metadata["status"] = .string(status.description)
        if worker.isLeaving { return [LogRecord.info("worker exited", metadata)] }
        backoff.workerExited(slot: worker.slot, wasReady: worker.wasReady, now: now)
        let exited = [LogRecord.error("worker exited unexpectedly", metadata), .count(.restart(.crash))]
        return worker.wasReady ? exited : exited + bootFailed(reason: status.description, now: now)
    }

    /// Counts toward the crash loop: before the first READY=1 it stops the supervisor; during a
    /// reload it abandons the reload; while serving, the backoff alone slows the retries.
    private mutating func bootFailed(reason: String, now: Duration) -> [ArbiterAction] {
        bootFailures.count += 1
        bootFailures.last = reason
        guard bootFailures.count >= Self.crashLoopLimit else { return [] }
        switch phase {
        case .booting:
            return haltCrashLoop(now: now)
        case .reloading(let reload):
            if case .starting(let previous) = reload.stage { return abandonReload(reload, previousGeneration: previous, now: now) }
            return reload.beforeFirstReady ? haltCrashLoop(now: now) : []
        case .serving, .stopping, .exited:
            return []
        }
    }

    private mutating func haltCrashLoop(now: Duration) -> [ArbiterAction] {
        let message = "workers keep failing during boot (\(bootFailures.count) in a row, last: \(bootFailures.last ?? "unknown")); giving up. Check the worker log lines above."
        return [LogRecord.critical(message, ["event": "supervisor.crash_loop"]), .printError(message)]
            + stop(graceful: false, reason: "crash loop", exitCode: 1, now: now)
    }

    /// A reload whose new workers cannot boot: keep serving with the previous generation.
    private mutating func abandonReload(_ reload: ArbiterPhase.Reload, previousGeneration: Int, now: Duration) -> [ArbiterAction] {
        var actions = [LogRecord.error(
            "reload abandoned: the new workers keep failing during boot; the previous generation keeps serving",
            ["event": "reload.failed"]), .count(.reload(.abandoned))]
        for (pid, worker) in workers.sorted(by: { $0.key < $1.key }) where worker.generation == generation {
            actions += terminate(pid, signal: SIGTERM, deadline: now + settings.gracefulTimeout)
        }
        generation = previousGeneration
        bootFailures = BootFailures()
        // A HUP queued behind it runs now: its configuration may be the fix.
        if reload.queued { return actions + beginReload(beforeFirstReady: reload.beforeFirstReady, now: now) }
        var fallingBack = reload
        fallingBack.stage = .fallingBack
        phase = .reloading(fallingBack)
        return actions
    }

    // MARK: - Murder

    /// Workers that stopped heartbeating get SIGABRT, then SIGKILL; leaving workers that
    /// overstay their deadline get SIGKILL.
    mutating func murderWorkers(now: Duration) -> [ArbiterAction] {
        var actions: [ArbiterAction] = []
        for (pid, worker) in workers.sorted(by: { $0.key < $1.key }) {
            switch worker.state {
            case .stopping(let deadline), .aborting(let deadline):
                guard now >= deadline else { continue }
                actions.append(.signal(pid, SIGKILL))
                workers[pid]?.state = .killed
            case .booting, .ready, .retiring:
                guard now - worker.lastHeartbeat >= settings.workerTimeout else { continue }
                var metadata = worker.metadata(event: "worker.timeout")
                metadata["silent_seconds"] = .stringConvertible((now - worker.lastHeartbeat).components.seconds)
                actions += [LogRecord.error("worker timed out; aborting it", metadata), .signal(pid, SIGABRT), .count(.restart(.timeout))]
                workers[pid]?.state = .aborting(deadline: now + Self.killGrace)
            case .killed:
                continue
            }
        }
        return actions
    }

    // MARK: - Manage

    /// Spawns what each slot lacks, retires what is no longer needed, and ends the phase
    /// waiting for every slot to be ready.
    mutating func manageWorkers(now: Duration) -> [ArbiterAction] {
        switch phase {
        case .stopping, .exited: return []
        case .booting, .serving, .reloading: break
        }
        var actions: [ArbiterAction] = []
        for slot in 0..<targetCount where candidates(in: slot).isEmpty && backoff.canSpawn(slot: slot, now: now) {
            slotsWithSockets.insert(slot)
            actions.append(.spawn(slot: slot, generation: generation))
        }
        let everySlotReady = self.everySlotReady
        for (pid, worker) in workers.sorted(by: { $0.key < $1.key }) where !worker.isLeaving {
            let fewerSlots = worker.slot >= targetCount  // TTOU.
            let replaced = worker.generation != generation && everySlotReady  // Reload.
            let recycled = worker.state == .retiring && worker.generation == generation
                && candidates(in: worker.slot).contains { $0.state == .ready }
            if fewerSlots || replaced || recycled {
                actions += terminate(pid, signal: SIGTERM, deadline: now + settings.gracefulTimeout)
                if !fewerSlots { actions.append(.count(.restart(replaced ? .reload : .recycle))) }
            }
        }
        let emptied = slotsWithSockets.filter { slot in slot >= targetCount && !workers.values.contains { $0.slot == slot } }
        slotsWithSockets.subtract(emptied)
        actions += emptied.sorted().map { .closeSockets(slot: $0) }
        return everySlotReady ? actions + settle(now: now) : actions
    }

    /// Every slot has a ready worker: the phase that waited for it ends with READY=1.
    private mutating func settle(now: Duration) -> [ArbiterAction] {
        switch phase {
        case .booting:
            phase = .serving
            return announceFirstReady()
        case .reloading(let reload):
            var actions: [ArbiterAction] = []
            switch reload.stage {
            case .readingConfiguration: return []
            case .starting:
                actions += [LogRecord.info("reload complete", ["event": "reload.completed", "generation": .stringConvertible(generation)]),
                            .count(.reload(.completed))]
            case .fallingBack: break  // Logged as `reload.failed` when it failed.
            }
            phase = .serving
            actions += reload.beforeFirstReady ? announceFirstReady() : [.notify([.ready, .status(statusLine)])]
            return reload.queued ? actions + beginReload(beforeFirstReady: false, now: now) : actions
        case .serving, .stopping, .exited:
            return []
        }
    }

    private func announceFirstReady() -> [ArbiterAction] {
        [LogRecord.info("ready", ["event": "supervisor.ready", "workers": .stringConvertible(targetCount)]),
         .notify([.ready, .status(statusLine)])]
    }

    var everySlotReady: Bool {
        (0..<targetCount).allSatisfy { slot in candidates(in: slot).contains { $0.state == .ready } }
    }

    /// The slot's workers of the current generation that are, or will be, its worker.
    func candidates(in slot: Int) -> [WorkerRecord] {
        workers.values.filter { $0.slot == slot && $0.generation == generation && $0.isServingCandidate }
    }

    mutating func terminate(_ pid: pid_t, signal: Int32, deadline: Duration) -> [ArbiterAction] {
        guard let worker = workers[pid], !worker.isLeaving else { return [] }
        workers[pid]?.state = .stopping(deadline: deadline)
        return [.signal(pid, signal)]
    }
}
