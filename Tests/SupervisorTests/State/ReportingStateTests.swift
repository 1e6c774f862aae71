import Common
import Glibc
import Testing
@testable import Supervisor

/// The watchdog and the status file, without processes.
struct ReportingStateTests {
    @Test func theWatchdogIsPingedEveryIntervalWithTheStatusLine() {
        var bench = ArbiterBench(workers: 1, watchdog: .milliseconds(200))
        bench.start()
        let pings = bench.actions.filter { if case .notify(let states) = $0 { states.contains(.watchdog) } else { false } }
        #expect(pings == [.notify([.watchdog, .status("0 of 1 workers ready, generation 1")])])
        #expect(bench.state.nextDeadline(after: bench.now) == bench.now + .milliseconds(200))
        #expect(bench.tick(after: .milliseconds(199)).isEmpty)
        #expect(bench.tick(after: .milliseconds(1)) == [.notify([.watchdog, .status("1 of 1 workers ready, generation 1")])])
    }

    @Test func theStatusIsWrittenWhenItChangesAndOnceASecondOtherwise() throws {
        var bench = ArbiterBench(workers: 1, reportsStatus: true)
        let first = try #require(Self.status(in: bench.tick()))
        #expect(first.phase == "running" && first.workers.isEmpty)  // Spawned after this turn's report.
        let booting = try #require(Self.status(in: bench.tick(after: .milliseconds(500))))
        #expect(booting.workers.map(\.state) == ["booting"])
        #expect(bench.tick(after: .milliseconds(500)).isEmpty)
        let ready = try #require(Self.status(in: bench.bootAll()))  // Changed: written at once.
        #expect(ready.workers.map(\.state) == ["ready"])
        #expect(bench.tick(after: .milliseconds(900)).isEmpty)
        let aged = try #require(Self.status(in: bench.tick(after: .milliseconds(100))))
        #expect(aged.workers.map(\.ageSeconds) == [2])
        let reloading = try #require(Self.status(in: bench.signal(SIGHUP)))
        #expect(reloading.phase == "reloading" && reloading.generation == 2)
    }

    private static func status(in actions: [ArbiterAction]) -> StatusReport? {
        actions.compactMap { if case .writeStatus(let report) = $0 { report } else { nil } }.last
    }
}
