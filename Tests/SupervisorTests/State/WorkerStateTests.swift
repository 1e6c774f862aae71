import Common
import Glibc
import Testing
@testable import Supervisor

/// Slots and their workers: count changes, timeouts, recycling, crashes.
struct WorkerStateTests {
    @Test func ttouDownToOneWorkerAndBelow() {
        var bench = ArbiterBench(workers: 3)
        bench.start()
        let top = bench.worker(slot: 2)!.pid
        let lowered = bench.signal(SIGTTOU)
        #expect(ArbiterBench.events(in: lowered) == ["workers.decrease"])
        #expect(bench.signals(to: top) == [SIGTERM])
        #expect(!bench.actions.contains(.closeSockets(slot: 2)))  // Still draining on its socket.
        #expect(bench.exit(top).contains(.closeSockets(slot: 2)))
        bench.signal(SIGTTOU)
        bench.exitSignalled()
        #expect(bench.state.targetCount == 1)
        #expect(bench.actions.contains(.closeSockets(slot: 1)))
        #expect(bench.signal(SIGTTOU).isEmpty)  // Never below one.
        #expect(bench.state.targetCount == 1)
        #expect(bench.workers.count == 1 && bench.workers[0].state == .ready)
        #expect(bench.count(.ready) == 1)
    }

    @Test func ttouDuringBootEndsTheBootingWorkerAndReadinessNeedsOnlyTheRest() {
        var bench = ArbiterBench(workers: 1)
        bench.tick()
        bench.signal(SIGTTIN)
        let booting = bench.worker(slot: 1)!.pid
        bench.signal(SIGTTOU)
        #expect(bench.signals(to: booting) == [SIGTERM])
        bench.say(.ready, from: booting)  // Too late: it is leaving.
        #expect(bench.count(.ready) == 0)
        bench.say(.ready, from: bench.worker(slot: 0)!.pid)
        #expect(bench.count(.ready) == 1)
    }

    @Test func ttinAddsASlotWithItsOwnWorker() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        let raised = bench.signal(SIGTTIN)
        #expect(ArbiterBench.spawns(in: raised).map(\.slot) == [1])
        #expect(ArbiterBench.events(in: raised) == ["workers.increase", "worker.spawned"])
    }

    @Test func heartbeatTimeoutAbortsThenKillsThenReplaces() {
        var bench = ArbiterBench(workers: 2, workerTimeout: .seconds(10))
        bench.start()
        let stuck = bench.worker(slot: 0)!.pid
        let healthy = bench.worker(slot: 1)!.pid
        bench.say(.heartbeat(WorkerCounters(requests: 5, connections: 1)), from: healthy)
        bench.now += .seconds(5)
        bench.say(.heartbeat(WorkerCounters(requests: 9, connections: 1)), from: healthy)
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + .seconds(1))
        let aborted = bench.tick(after: .seconds(5))
        #expect(ArbiterBench.events(in: aborted).starts(with: ["worker.timeout"]))
        #expect(bench.record(event: "worker.timeout")?.metadata["silent_seconds"] == .stringConvertible(Int64(10)))
        #expect(bench.signals(to: stuck) == [SIGABRT])
        // Replaced at once: an aborting worker is no longer the slot's.
        #expect(ArbiterBench.spawns(in: aborted).map(\.slot) == [0])
        #expect(bench.signals(to: healthy).isEmpty)
        bench.say(.heartbeat(WorkerCounters(requests: 9, connections: 0)), from: stuck)  // Too late.
        bench.tick(after: .seconds(1))
        bench.say(.heartbeat(WorkerCounters(requests: 9, connections: 0)), from: healthy)
        #expect(ArbiterBench.signals(in: bench.tick(after: .seconds(1))).map(\.signal) == [SIGKILL])
        #expect(bench.state.workers[stuck]?.state == .killed)
        let reaped = bench.exit(stuck, .signaled(SIGKILL, coreDumped: false))
        #expect(bench.record(event: "worker.exited")?.level == .info)  // Expected: no backoff, no crash count.
        #expect(ArbiterBench.spawns(in: reaped).isEmpty)
        #expect(bench.state.bootFailures.count == 0)
        bench.bootAll()
        #expect(bench.worker(slot: 0)?.state == .ready)
    }

    @Test func maxRequestsRetirementsThatOverlapAReload() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        let first = bench.worker(slot: 0)!.pid
        let second = bench.worker(slot: 1)!.pid
        // Slot 0 retires: a replacement of generation 1 boots beside it.
        let retired = bench.say(.retiring(reason: "max_requests"), from: first)
        #expect(ArbiterBench.spawns(in: retired).map { [$0.slot, $0.generation] } == [[0, 1]])
        let replacement = bench.worker(slot: 0)!.pid
        // A reload starts before the replacement is ready; generation 2 boots in both slots.
        bench.signal(SIGHUP)
        #expect(bench.workers(generation: 2).count == 2)
        // Slot 1's old worker retires during the reload: generation 2 replaces it, nothing else.
        let overlapping = bench.say(.retiring(reason: "max_requests"), from: second)
        #expect(ArbiterBench.spawns(in: overlapping).isEmpty)
        // A new worker retires before the reload completes: the reload waits for its own replacement.
        let newOne = bench.worker(slot: 1, generation: 2)!.pid
        bench.say(.ready, from: newOne)
        let early = bench.say(.retiring(reason: "max_requests"), from: newOne)
        #expect(ArbiterBench.spawns(in: early).map { [$0.slot, $0.generation] } == [[1, 2]])
        bench.say(.ready, from: bench.worker(slot: 0, generation: 2)!.pid)
        #expect(bench.count(event: "reload.completed") == 0)
        #expect(bench.signals(to: first).isEmpty && bench.signals(to: second).isEmpty)
        let completed = bench.bootAll()
        #expect(ArbiterBench.events(in: completed).contains("reload.completed"))
        // Generation 1 (retiring or not, the replacement too) and the retired one of generation 2 leave.
        #expect([first, second, replacement, newOne].allSatisfy { bench.signals(to: $0) == [SIGTERM] })
        #expect(bench.workers.filter { !$0.isLeaving }.map(\.generation) == [2, 2])
    }

    @Test func aCrashLoopDuringBootHaltsWithAClearLineAndExitsOne() {
        var bench = ArbiterBench(workers: 2)
        bench.tick()
        var halted: [ArbiterAction] = []
        while bench.state.phase == .booting {
            let worker = bench.booting.first ?? bench.workers[0]
            halted = bench.exit(worker.pid, .exited(3))
            if bench.booting.isEmpty { bench.tick(after: RestartBackoff.maximum) }
        }
        #expect(bench.count(event: "worker.exited") == ArbiterState.crashLoopLimit)
        let line = halted.compactMap { if case .printError(let line) = $0 { line } else { nil } }.first
        #expect(line?.hasPrefix("workers keep failing during boot (5 in a row, last: exit status 3)") == true)
        #expect(ArbiterBench.events(in: halted).contains("supervisor.crash_loop"))
        bench.exitSignalled()
        #expect(bench.exitCode == 1)
        #expect(bench.count(.ready) == 0)
    }

    @Test func bootFailuresBackOffPerSlotAndNeverSpinTheLoop() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        bench.signal(SIGTTIN)
        let failing = bench.worker(slot: 1)!.pid
        let failed = bench.exit(failing, .exited(3))
        #expect(ArbiterBench.spawns(in: failed).isEmpty)
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + RestartBackoff.first)
        #expect(ArbiterBench.spawns(in: bench.tick(after: RestartBackoff.first)).map(\.slot) == [1])
        // Booting again, its backoff behind it: the loop waits for real timers only.
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + .seconds(1))
        bench.signal(SIGTTOU)
        bench.exitSignalled()
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + .seconds(1))
    }

    @Test func crashesWhileServingAreReplacedAndNeverHalt() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        for _ in 0..<(ArbiterState.crashLoopLimit * 2) {
            bench.exit(bench.worker(slot: 0)!.pid, .exited(3))
            bench.tick(after: RestartBackoff.maximum)
        }
        #expect(bench.state.phase == .serving)
        #expect(bench.worker(slot: 0) != nil)
    }

    @Test func spawnFailuresCountTowardTheCrashLoop() {
        var bench = ArbiterBench(workers: 1)
        bench.spawnFails = true
        for _ in 0...ArbiterState.crashLoopLimit { bench.tick(after: RestartBackoff.maximum) }  // The last turn exits.
        #expect(bench.count(event: "worker.spawn_failed") == ArbiterState.crashLoopLimit)
        #expect(bench.exitCode == 1)
    }

    @Test func usr1ReopensLogsAndTellsEveryWorker() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        let reopened = bench.signal(SIGUSR1)
        #expect(reopened.first == .reopenLogs)
        #expect(ArbiterBench.signals(in: reopened).map(\.signal) == [SIGUSR1, SIGUSR1])
    }

    @Test func unreadableMessagesAreLoggedAndOrphansIgnored() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        #expect(ArbiterBench.events(in: bench.turn(.unreadableMessage(from: bench.workers[0].pid))) == ["worker.protocol_error"])
        #expect(bench.turn(.exited(9999, .exited(0))).isEmpty)  // As PID 1: someone else's orphan.
    }
}
