import Common
import Glibc
import Testing
@testable import Supervisor

/// USR2 from both sides, without processes.
struct UpgradeStateTests {
    /// The old supervisor's bench, serving, with the new supervisor started. Workers keep
    /// their slots however long the test waits.
    private func upgrading(workers: Int = 2) -> ArbiterBench {
        var bench = ArbiterBench(workers: workers, workerTimeout: .seconds(3600))
        bench.start()
        bench.signal(SIGUSR2)
        return bench
    }

    @Test func theNewSupervisorsReadyHandsOverAndStopsGracefully() {
        var bench = upgrading()
        let successor = bench.successor!
        let handedOver = bench.say(.ready, from: successor)
        #expect(ArbiterBench.events(in: handedOver).starts(with: ["upgrade.completed", "supervisor.stopping"]))
        #expect(ArbiterBench.notifications(in: handedOver).first == [.mainPID(successor), .ready, .status("Upgraded to pid \(successor)")])
        #expect(ArbiterBench.signals(in: handedOver).map(\.signal) == [SIGTERM, SIGTERM])
        #expect(!bench.signals(to: successor).contains(SIGTERM))
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
    }

    @Test func usr2WhoseNewBinaryCannotStartKeepsServing() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        bench.upgradeFailsToStart = true
        let failed = bench.signal(SIGUSR2)
        #expect(ArbiterBench.events(in: failed) == ["upgrade.failed"])
        #expect(bench.state.upgrade == .none)
        bench.upgradeFailsToStart = false
        bench.signal(SIGUSR2)  // Another try is allowed.
        #expect(bench.count(event: "upgrade.started") == 1)
    }

    @Test func usr2WhoseNewSupervisorExitsKeepsServing() {
        var bench = upgrading()
        let successor = bench.successor!
        let workers = bench.workers
        let exited = bench.exit(successor, .exited(2))
        #expect(ArbiterBench.events(in: exited) == ["upgrade.failed"])
        #expect(bench.record(event: "upgrade.failed")?.metadata["status"] == .string("exit status 2"))
        #expect(bench.workers == workers)
        #expect(bench.state.phase == .serving)
    }

    @Test func aNewSupervisorThatMissesItsTimeIsStoppedAndItsLateReadyIgnored() {
        var bench = upgrading()
        let successor = bench.successor!
        bench.tick(after: BinaryUpgrade.readyTimeout)
        #expect(bench.signals(to: successor).isEmpty)
        let abandoned = bench.tick(after: .seconds(1))
        #expect(ArbiterBench.events(in: abandoned) == ["upgrade.failed"])
        #expect(bench.signals(to: successor) == [SIGTERM])
        // Between the TERM and its exit, the new one still reports ready: handing over to a
        // supervisor that is stopping would leave nobody serving.
        let late = bench.say(.ready, from: successor)
        #expect(late.isEmpty)
        #expect(bench.state.phase == .serving)
        #expect(bench.exit(successor, .exited(0)).isEmpty)
        #expect(bench.state.upgrade == .none)
        #expect(bench.count(event: "upgrade.failed") == 1)
        bench.signal(SIGUSR2)
        #expect(bench.count(event: "upgrade.started") == 2)
    }

    @Test func usr2ThenHupReloadsUntilTheHandOver() {
        var bench = upgrading()
        let successor = bench.successor!
        bench.signal(SIGHUP)
        #expect(bench.workers(generation: 2).count == 2)
        #expect(ArbiterBench.events(in: bench.signal(SIGUSR2)) == ["upgrade.ignored"])
        let handedOver = bench.say(.ready, from: successor)
        #expect(ArbiterBench.signals(in: handedOver).count == 4)  // Both generations leave.
        for worker in bench.workers(generation: 2) { bench.say(.ready, from: worker.pid) }
        #expect(bench.count(event: "reload.completed") == 0)
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
        #expect(bench.count(.stopping) == 1)
    }

    @Test func usr2IsIgnoredUntilServingAndDuringAReload() {
        var bench = ArbiterBench(workers: 1)
        bench.tick()
        #expect(ArbiterBench.events(in: bench.signal(SIGUSR2)) == ["upgrade.ignored"])
        bench.bootAll()
        bench.signal(SIGHUP)
        #expect(ArbiterBench.events(in: bench.signal(SIGUSR2)) == ["upgrade.ignored"])
        bench.signal(SIGTERM)
        #expect(ArbiterBench.events(in: bench.signal(SIGUSR2)) == ["upgrade.ignored"])
    }

    @Test func aCrashDuringAnUpgradeIsReplacedAndTheUpgradeGoesOn() {
        var bench = upgrading()
        let successor = bench.successor!
        let crashed = bench.worker(slot: 1)!.pid
        let replaced = bench.exit(crashed, .signaled(SIGSEGV, coreDumped: true))
        #expect(ArbiterBench.spawns(in: replaced).map(\.slot) == [1])
        #expect(bench.record(event: "worker.exited")?.level == .error)
        #expect(bench.state.upgrade == .awaitingSuccessor(pid: successor, startedAt: bench.now))
        let handedOver = bench.say(.ready, from: successor)
        #expect(ArbiterBench.signals(in: handedOver).count == 2)  // The replacement too, booting.
        bench.exitSignalled()
        #expect(bench.exitCode == 0)
    }

    @Test func theNewSupervisorTellsTheOldOneOnceReadyAndTakesOverWhenItHasGone() {
        var bench = ArbiterBench(workers: 2, upgradeParent: 42)
        bench.tick()
        #expect(!bench.actions.contains(.tellUpgradeParentReady))
        // A worker crashes during boot: not ready yet, so the old supervisor keeps serving.
        bench.exit(bench.workers[0].pid, .exited(1))
        bench.tick(after: RestartBackoff.first)
        let ready = bench.bootAll()
        #expect(ready.contains(.tellUpgradeParentReady))
        #expect(bench.state.upgrade == .successor(parentPID: 42, toldReady: true))
        #expect(!bench.tick(after: .seconds(1)).contains(.tellUpgradeParentReady))
        let takenOver = bench.turn(.upgradeParentGone)
        #expect(takenOver.first == .takeOverPidfile)
        #expect(ArbiterBench.events(in: takenOver) == ["upgrade.taken_over"])
        #expect(bench.state.upgradeParentPID == nil)
    }

    @Test func aNewSupervisorStoppedBeforeItIsReadyNeverTellsTheOldOne() {
        var bench = ArbiterBench(workers: 1, upgradeParent: 42)
        bench.tick()
        bench.signal(SIGTERM)
        bench.bootAll()
        bench.exitSignalled()
        #expect(!bench.actions.contains(.tellUpgradeParentReady))
        #expect(bench.exitCode == 0)
    }
}
