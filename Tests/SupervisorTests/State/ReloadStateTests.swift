import Common
import Glibc
import Testing
@testable import Supervisor

/// HUP in every phase, without processes.
struct ReloadStateTests {
    @Test func startUpAnnouncesReadyOnceEverySlotIsReady() {
        var bench = ArbiterBench(workers: 2)
        let spawned = bench.tick()
        #expect(ArbiterBench.spawns(in: spawned).map(\.slot) == [0, 1])
        bench.say(.ready, from: bench.workers[0].pid)
        #expect(bench.count(.ready) == 0)
        bench.say(.ready, from: bench.workers[1].pid)
        #expect(bench.count(.ready) == 1)
        #expect(bench.count(event: "supervisor.ready") == 1)
        #expect(bench.state.phase == .serving)
        bench.tick(after: .seconds(1))
        #expect(bench.count(.ready) == 1)
    }

    @Test func hupStartsANewGenerationAndRetiresTheOldOneOnlyOnceItIsReady() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        let old = bench.workers.map(\.pid)
        let started = bench.signal(SIGHUP)
        #expect(ArbiterBench.events(in: started).starts(with: ["reload.started"]))
        #expect(ArbiterBench.notifications(in: started).first?.contains(.reloading(monotonicMicroseconds: ArbiterState.microseconds(bench.now))) == true)
        #expect(ArbiterBench.spawns(in: started).map(\.generation) == [2, 2])
        bench.say(.ready, from: bench.workers(generation: 2)[0].pid)
        #expect(old.allSatisfy { bench.signals(to: $0).isEmpty })
        let completed = bench.say(.ready, from: bench.workers(generation: 2)[1].pid)
        #expect(ArbiterBench.events(in: completed) == ["worker.ready", "reload.completed"])
        #expect(old.allSatisfy { bench.signals(to: $0) == [SIGTERM] })
        #expect(bench.count(.ready) == 2)
        #expect(bench.state.phase == .serving)
    }

    @Test func hupDuringAHupIsQueuedOnceAndRunsWhenTheFirstCompletes() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        bench.signal(SIGHUP)
        bench.signal(SIGHUP)
        bench.signal(SIGHUP)
        #expect(bench.count(event: "reload.queued") == 2)
        #expect(bench.count(event: "reload.started") == 1)
        // Generation 2 ready: that reload completes, generation 1 leaves, the queued one starts.
        let next = bench.bootAll()
        #expect(ArbiterBench.events(in: next).contains("reload.completed"))
        #expect(bench.count(event: "reload.started") == 2)
        #expect(bench.state.generation == 3)
        #expect(bench.workers(generation: 1).allSatisfy { $0.isLeaving })
        #expect(bench.workers(generation: 2).allSatisfy { !$0.isLeaving })
        bench.bootAll()
        #expect(bench.record(event: "reload.completed")?.metadata["generation"] == .stringConvertible(3))
        #expect(bench.workers(generation: 2).allSatisfy { $0.isLeaving })
        #expect(bench.count(event: "reload.started") == 2)
        // One RELOADING=1 and one READY=1 per reload, after the first READY=1.
        #expect(bench.count(.ready) == 3)
    }

    @Test func hupBeforeTheFirstReadyAnnouncesReadinessOnce() {
        var bench = ArbiterBench(workers: 2)
        bench.tick()
        bench.signal(SIGHUP)
        bench.bootAll()  // Both generations' workers: generation 2's readiness ends it.
        #expect(bench.count(.ready) == 1)
        #expect(bench.count(event: "supervisor.ready") == 1)
        #expect(bench.count(event: "reload.completed") == 1)
        #expect(bench.state.phase == .serving)
        #expect(bench.workers(generation: 1).allSatisfy { $0.isLeaving })
    }

    @Test func anInvalidConfigurationKeepsTheWorkersAndSendsReadyOnceEverySlotIsReady() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        let crashed = bench.workers[0]
        bench.exit(crashed.pid, .signaled(SIGSEGV, coreDumped: false))  // A crash: replaced at once.
        bench.reload = .invalid
        let refused = bench.signal(SIGHUP)
        #expect(ArbiterBench.events(in: refused).contains("reload.failed"))
        #expect(ArbiterBench.spawns(in: refused).isEmpty)
        // The replacement still boots: READY=1 would claim a slot that has no ready worker.
        #expect(bench.count(.ready) == 1)
        bench.bootAll()
        #expect(bench.count(.ready) == 2)
        #expect(bench.state.phase == .serving)
        #expect(bench.state.generation == 1)
    }

    @Test func aReloadWhoseWorkersCannotBootFallsBackAndNeverReusesItsGeneration() {
        var bench = ArbiterBench(workers: 1, workerTimeout: .seconds(3600))
        bench.start()
        bench.signal(SIGHUP)
        for _ in 0..<ArbiterState.crashLoopLimit {
            let worker = bench.worker(slot: 0)!
            #expect(worker.generation == 2)
            bench.exit(worker.pid, .exited(3))
            bench.tick(after: RestartBackoff.maximum)
        }
        #expect(bench.count(event: "reload.failed") == 1)
        #expect(bench.state.generation == 1)
        #expect(bench.state.phase == .serving)
        #expect(bench.count(.ready) == 2)
        #expect(bench.workers(generation: 1).allSatisfy { $0.state == .ready })
        bench.signal(SIGHUP)
        #expect(bench.state.generation == 3)
    }

    @Test func aHupQueuedBehindAnAbandonedReloadRunsAtOnce() {
        var bench = ArbiterBench(workers: 1, workerTimeout: .seconds(3600))
        bench.start()
        bench.signal(SIGHUP)
        bench.signal(SIGHUP)
        for _ in 0..<ArbiterState.crashLoopLimit {
            bench.exit(bench.worker(slot: 0)!.pid, .exited(3))
            bench.tick(after: RestartBackoff.maximum)
        }
        #expect(bench.count(event: "reload.failed") == 1)
        #expect(bench.count(event: "reload.started") == 2)
        #expect(bench.state.generation == 3)
        #expect(bench.count(.ready) == 1)  // The second reload's end sends it.
        bench.bootAll()
        #expect(bench.count(.ready) == 2)
        #expect(bench.workers(generation: 1).allSatisfy { $0.isLeaving })
    }

    @Test func termDuringAReloadStopsBothGenerationsAndTheReloadNeverCompletes() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        bench.signal(SIGHUP)
        bench.signal(SIGHUP)  // Queued: must not run after the stop either.
        let stopping = bench.signal(SIGTERM)
        #expect(ArbiterBench.signals(in: stopping).map(\.signal) == [SIGTERM, SIGTERM, SIGTERM, SIGTERM])
        #expect(ArbiterBench.count(.stopping, in: stopping) == 1)
        let late = bench.workers(generation: 2).flatMap { bench.say(.ready, from: $0.pid) }  // Ready after all.
        #expect(!ArbiterBench.events(in: late).contains("reload.completed"))
        #expect(ArbiterBench.spawns(in: late).isEmpty)
        bench.signal(SIGHUP)
        #expect(bench.count(event: "reload.ignored") == 1)
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
        #expect(bench.count(event: "reload.started") == 1)
        #expect(bench.count(.stopping) == 1)
    }

    @Test func aChangedBindIsReportedAndKept() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        var next = ArbiterBench.settings(workers: 3)
        next.bind = [.tcp(host: "0.0.0.0", port: 9000)]
        bench.reload = .valid(next)
        let reloaded = bench.signal(SIGHUP)
        #expect(ArbiterBench.events(in: reloaded).contains("reload.bind_unchanged"))
        #expect(bench.state.settings.bind == ArbiterBench.settings().bind)
        #expect(ArbiterBench.spawns(in: reloaded).map(\.slot) == [0, 1, 2])
    }
}
