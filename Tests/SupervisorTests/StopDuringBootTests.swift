import Common
import Foundation
import TestSupport
import Testing

/// A stop that reaches a worker while it boots ends it promptly, whatever the moment: sweeps
/// of the delay between the signal that starts workers and the one that stops them, 0-100 ms,
/// bounded so that the three sweeps add well under a minute.
@Suite(.serialized)
struct StopDuringBootTests {
    static let delays = stride(from: 0, through: 100, by: 10).map { Duration.milliseconds($0) }
    static let rounds = 2
    /// TTOU after TTIN is cheap to repeat: finer steps and more rounds.
    static let fineDelays = stride(from: 0, through: 100, by: 5).map { Duration.milliseconds($0) }
    static let fineRounds = 3

    @Test func ttouSoonAfterTTINReturnsToTheWorkerCountWithoutAKill() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2)
        defer { supervisor.stop() }
        var extraWorkers = 0
        var slowest = Duration.zero
        for _ in 0..<Self.fineRounds {
            for delay in Self.fineDelays {
                let spawned = supervisor.process.logLines(event: "worker.spawned").count
                let lowered = supervisor.process.logLines(event: "workers.decrease").count
                supervisor.signal(SIGTTIN)
                try await Task.sleep(for: delay)
                supervisor.signal(SIGTTOU)
                let start = ContinuousClock.now
                // Back to two workers once the supervisor has read both signals (the next TTIN
                // must not coalesce with an unread one), and every worker spawned beyond those
                // two has exited.
                try await waitUntil(timeout: .seconds(2), "two workers again after TTIN, \(delay), TTOU") {
                    let log = supervisor.process.logLines
                    let loweredNow = log.filter { $0["event"] as? String == "workers.decrease" }.count
                    let spawnedNow = log.filter { $0["event"] as? String == "worker.spawned" }.count
                    let exited = log.filter { $0["event"] as? String == "worker.exited" }.count
                    return loweredNow == lowered + 1 && supervisor.workerPIDs.count == 2 && exited == spawnedNow - 2
                }
                slowest = max(slowest, ContinuousClock.now - start)
                if supervisor.process.logLines(event: "worker.spawned").count > spawned { extraWorkers += 1 }
            }
        }
        #expect(uncleanExits(supervisor.process).isEmpty, "\(uncleanExits(supervisor.process))")
        // The sweep must have reached workers while they booted, not only TTOU cancelling TTIN.
        #expect(extraWorkers >= Self.fineDelays.count)
        print("stop sweep TTIN/TTOU: \(Self.fineRounds * Self.fineDelays.count) tries, \(extraWorkers) started a worker, slowest return \(slowest)")
    }

    @Test func termRightAfterStartExitsZeroPromptly() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        var foundWorkers = 0
        var slowest = Duration.zero
        for _ in 0..<Self.rounds {
            for delay in Self.delays {
                let process = try ManagedProcess(
                    executable: BuildProducts.executable("gatehouse"), arguments: ["serve"],
                    environment: WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_WORKERS": "2"]))
                // From its first statement on, the supervisor holds its signals; before it, the
                // dynamic loader runs and a TERM takes its default action, which no program can change.
                _ = try await eventually(timeout: .seconds(5), every: .milliseconds(1), "the supervisor to hold its signals") {
                    process.blockedSignals.contains(SIGTERM) || !process.isRunning ? true : nil
                }
                try await Task.sleep(for: delay)
                process.signal(SIGTERM)
                let start = ContinuousClock.now
                let status = try await process.waitForExit(timeout: .seconds(3))
                slowest = max(slowest, ContinuousClock.now - start)
                #expect(status == 0, "TERM \(delay) after start: exit \(status)\n\(process.output.suffix(2000))")
                #expect(uncleanExits(process).isEmpty, "TERM \(delay) after start: \(uncleanExits(process))")
                if !process.logLines(event: "worker.spawned").isEmpty { foundWorkers += 1 }
            }
        }
        #expect(foundWorkers >= Self.delays.count / 2, "the sweep reached workers in only \(foundWorkers) tries")
        print("stop sweep TERM after start: \(Self.rounds * Self.delays.count) tries, \(foundWorkers) with workers started, slowest exit \(slowest)")
    }

    @Test func hupRightAfterReadyReloadsWithoutAKill() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2, notify: notify)
        defer { supervisor.stop() }
        var slowest = Duration.zero
        var reloads = 0
        for _ in 0..<Self.rounds {
            for delay in Self.delays {
                // READY=1 comes at start-up and again when each reload completes.
                try await waitUntil(timeout: .seconds(5), "READY=1 number \(reloads + 1)") {
                    notify.messages.filter { $0.split(separator: "\n").contains("READY=1") }.count > reloads
                }
                try await Task.sleep(for: delay)
                supervisor.signal(SIGHUP)
                let start = ContinuousClock.now
                reloads += 1
                try await waitUntil(timeout: .seconds(2), "reload \(reloads) (HUP \(delay) after READY) to complete") {
                    let log = supervisor.process.logLines
                    let completed = log.filter { $0["event"] as? String == "reload.completed" }.count
                    let spawned = log.filter { $0["event"] as? String == "worker.spawned" }.count
                    let exited = log.filter { $0["event"] as? String == "worker.exited" }.count
                    return completed == reloads && supervisor.workerPIDs.count == 2 && exited == spawned - 2
                }
                slowest = max(slowest, ContinuousClock.now - start)
            }
        }
        #expect(uncleanExits(supervisor.process).isEmpty, "\(uncleanExits(supervisor.process))")
        print("stop sweep HUP after READY: \(reloads) reloads, slowest \(slowest)")
    }

    /// A HUP during a reload, whose new workers are still booting, is kept and runs once that
    /// reload completes: the second configuration change is not lost, and no worker is killed.
    @Test func hupDuringAReloadRunsAfterIt() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2)
        defer { supervisor.stop() }
        // With the provider down, the new generation cannot load its keys: the reload stays in
        // progress, so the second HUP is sure to arrive during it.
        try await idp.goDown()
        supervisor.signal(SIGHUP)
        try await supervisor.waitForLog(event: "reload.started")
        supervisor.signal(SIGHUP)
        try await supervisor.waitForLog(event: "reload.queued")
        try await idp.comeUp()
        try await supervisor.waitForLog(event: "reload.completed", count: 2, timeout: .seconds(20))
        try await waitUntil("the two older generations to leave") {
            let log = supervisor.process.logLines
            let spawned = log.filter { $0["event"] as? String == "worker.spawned" }.count
            let exited = log.filter { $0["event"] as? String == "worker.exited" }.count
            return supervisor.workerPIDs.count == 2 && spawned == 6 && exited == 4
        }
        #expect(supervisor.process.logLines(event: "reload.queued").count == 1)
        #expect(supervisor.process.logLines(event: "reload.completed").last?["generation"] as? Int == 3)
        #expect(uncleanExits(supervisor.process).isEmpty, "\(uncleanExits(supervisor.process))")
    }

    /// Workers that did not leave by exiting 0: killed by the supervisor, or by a signal's
    /// default action.
    private func uncleanExits(_ process: ManagedProcess) -> [String] {
        process.logLines(event: "worker.exited").compactMap { $0["status"] as? String }.filter { $0 != "exit status 0" }
    }
}
