import Common
import Glibc
import Testing
@testable import Supervisor

/// What the metrics count of the arbiter's decisions: why each worker was replaced, how each
/// reload ended. Stops and TTOU are not restarts.
struct CountStateTests {
    private func counts(_ bench: ArbiterBench) -> [ArbiterCount] {
        bench.actions.compactMap { if case .count(let count) = $0 { count } else { nil } }
    }

    @Test func aCrashATimeoutAndARecycleEachCountTheirCause() {
        var bench = ArbiterBench(workers: 2, workerTimeout: .seconds(30))
        bench.start()
        bench.exit(bench.workers[0].pid, .signaled(SIGKILL, coreDumped: false))
        #expect(counts(bench) == [.restart(.crash)])
        bench.bootAll()

        bench.say(.retiring(reason: "max_requests"), from: bench.workers[0].pid)
        #expect(counts(bench) == [.restart(.crash)])  // Not until its replacement is ready.
        bench.bootAll()
        #expect(counts(bench) == [.restart(.crash), .restart(.recycle)])
        bench.exitSignalled()

        // Silence past the worker timeout, from every worker.
        bench.tick(after: .seconds(31))
        #expect(counts(bench).filter { $0 == .restart(.timeout) }.count == 2)
    }

    @Test func reloadsCountTheirOutcomeAndTheWorkersTheyReplace() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        bench.signal(SIGHUP)
        bench.bootAll()
        #expect(counts(bench) == [.restart(.reload), .restart(.reload), .reload(.completed)])

        bench.exitSignalled()
        bench.reload = .invalid
        bench.signal(SIGHUP)
        #expect(counts(bench).last == .reload(.refused))
    }

    @Test func aReloadWhoseWorkersCannotBootIsAbandoned() {
        var bench = ArbiterBench(workers: 1)
        bench.start()
        bench.signal(SIGHUP)
        for _ in 0..<ArbiterState.crashLoopLimit {
            guard let booting = bench.booting.first else { break }
            bench.exit(booting.pid, .exited(1))
            bench.tick(after: .seconds(60))
        }
        #expect(counts(bench).contains(.reload(.abandoned)))
        #expect(!counts(bench).contains(.reload(.completed)))
    }

    @Test func stoppingAndFewerWorkersAreNotRestarts() {
        var bench = ArbiterBench(workers: 2)
        bench.start()
        bench.signal(SIGTTOU)
        bench.exitSignalled()
        bench.signal(SIGTERM)
        bench.exitSignalled()
        #expect(counts(bench).isEmpty)
    }
}
