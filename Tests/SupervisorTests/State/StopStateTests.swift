import Common
import Glibc
import Testing
@testable import Supervisor

/// TERM, INT and QUIT in every phase, without processes.
struct StopStateTests {
    @Test func termDrainsGracefullyThenKillsStragglersAndExitsZero() {
        var bench = ArbiterBench(workers: 2, graceful: .seconds(20))
        bench.start()
        let stopping = bench.signal(SIGTERM)
        #expect(ArbiterBench.signals(in: stopping).map(\.signal) == [SIGTERM, SIGTERM])
        #expect(ArbiterBench.notifications(in: stopping) == [[.stopping, .status("Stopping (SIGTERM)")]])
        let fast = bench.workers[0].pid, slow = bench.workers[1].pid
        bench.exit(fast)
        #expect(bench.tick(after: .seconds(19)).isEmpty)
        #expect(ArbiterBench.signals(in: bench.tick(after: .seconds(1))).map(\.signal) == [SIGKILL])
        #expect(bench.state.workers[slow]?.state == .killed)
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + .seconds(1))  // Nothing due: no spin.
        bench.exit(slow, .signaled(SIGKILL, coreDumped: false))
        #expect(bench.exitCode == 0)
        #expect(bench.events.suffix(2) == ["worker.exited", "supervisor.stopped"])
        #expect(bench.turn(.signal(SIGTERM)).isEmpty)
    }

    @Test func quitDuringDrainingHurriesTheWorkersWithoutASecondStopping() {
        var bench = ArbiterBench(workers: 2, graceful: .seconds(30))
        bench.start()
        bench.signal(SIGHUP)  // A reload's old generation is leaving too.
        bench.bootAll()
        bench.signal(SIGTERM)
        let hurried = bench.signal(SIGQUIT)
        #expect(ArbiterBench.signals(in: hurried).map(\.signal) == [SIGQUIT, SIGQUIT, SIGQUIT, SIGQUIT])
        #expect(ArbiterBench.events(in: hurried) == ["supervisor.stopping"])
        #expect(bench.count(.stopping) == 1)
        let killed = bench.tick(after: ArbiterState.killGrace)
        #expect(ArbiterBench.signals(in: killed).map(\.signal) == [SIGKILL, SIGKILL, SIGKILL, SIGKILL])
        #expect(bench.signal(SIGQUIT).isEmpty)  // Nothing more to hurry.
        #expect(bench.signal(SIGTERM).isEmpty)  // A graceful stop never slows a fast one.
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
    }

    @Test func quitStopsFastFromTheStart() {
        var bench = ArbiterBench(workers: 1)
        bench.tick()
        let quit = bench.signal(SIGQUIT)
        #expect(ArbiterBench.signals(in: quit).map(\.signal) == [SIGQUIT])
        #expect(bench.workers.allSatisfy { $0.state == .stopping(deadline: bench.now + ArbiterState.killGrace) })
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
        #expect(bench.count(.ready) == 0)
    }

    @Test func stopWithNoWorkersExitsOnTheNextTurn() {
        var bench = ArbiterBench(workers: 1)
        bench.spawnFails = true
        bench.tick()
        #expect(bench.workers.isEmpty)
        let stopped = bench.signal(SIGINT)
        #expect(stopped.last == .exit(0))
        #expect(bench.count(.stopping) == 1)
    }

    @Test func aWorkerSpawnedAfterAStopInTheSameTurnLeavesAtOnce() {
        var state = ArbiterState(settings: ArbiterBench.settings(workers: 2), supervisorPID: 1)
        let now = Duration.seconds(5)
        #expect(ArbiterBench.spawns(in: state.handle(.tick, now: now)).count == 2)
        // The loop carries out the first spawn; in between, the crash loop halts (fast stop).
        _ = state.handle(.spawned(pid: 10, slot: 0, generation: 1), now: now)
        _ = state.handle(.signal(SIGQUIT), now: now)
        let late = state.handle(.spawned(pid: 11, slot: 1, generation: 1), now: now)
        #expect(ArbiterBench.signals(in: late).map(\.signal) == [SIGQUIT])
        #expect(state.workers[11]?.isLeaving == true)
    }
}
