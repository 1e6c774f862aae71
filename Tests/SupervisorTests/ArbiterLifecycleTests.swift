import Foundation
import TestSupport
import Testing

/// `gatehouse serve` with real workers, real signals and a real notification socket.
@Suite(.serialized)
struct ArbiterLifecycleTests {
    @Test func twoWorkersBothServe() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2, notify: notify)
        defer { supervisor.stop() }
        let token = try await idp.token()

        #expect(supervisor.workerPIDs.count == 2)
        var seen = Set<Int32>()
        try await waitUntil(timeout: .seconds(30), "answers from both workers") {
            seen.insert(try await supervisor.whoamiPID(token: token))
            return seen.count == 2
        }
        #expect(seen == supervisor.workerPIDs)
        // READY=1 only once every worker reported ready.
        let ready = try #require(notify.index(of: "READY=1"))
        #expect(supervisor.process.logLines(event: "worker.ready").count == 2)
        #expect(notify.messages[ready].contains("STATUS=2 of 2 workers ready"))
    }

    @Test func killedWorkerIsReplacedQuicklyWhileRequestsSucceed() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2)
        defer { supervisor.stop() }
        let token = try await idp.token()
        let load = LoadGenerator(loops: 4) { loop in try await supervisor.whoamiPID(token: token, newConnection: loop % 2 == 0) }
        try await load.waitForProgress(20)

        let victim = try #require(supervisor.workerPIDs.first)
        let killedAt = Date()
        kill(victim, SIGKILL)
        try await supervisor.waitForLog(event: "worker.ready", count: 3, timeout: .seconds(10))
        // Measured with the supervisor's own timestamp of the replacement's `ready`.
        let ready = try #require(supervisor.process.logLines(event: "worker.ready").last?["ts"] as? String)
        let readyAt = try #require(try? Date(ready, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
        let replacedAfter = readyAt.timeIntervalSince(killedAt)
        #expect(replacedAfter < 1, "replacement ready after \(replacedAfter) s")
        try await load.waitForProgress(20)
        await load.stop()
        #expect(!supervisor.workerPIDs.contains(victim))
        #expect(supervisor.workerPIDs.count == 2)
        #expect(supervisor.process.logLines(event: "worker.exited").contains { ($0["status"] as? String) == "signal SIGKILL" })
        // The slot's socket outlived its worker: queued connections went to the replacement.
        // Only what the killed process held itself can fail (at most one request per loop).
        #expect(load.failureList.count <= 4, "\(load.failureList.prefix(5))")
    }

    @Test func reloadUnderLoadFailsNoRequestAndReplacesEveryWorker() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2, notify: notify)
        defer { supervisor.stop() }
        let token = try await idp.token()
        let before = supervisor.workerPIDs
        let load = LoadGenerator(loops: 4) { loop in try await supervisor.whoamiPID(token: token, newConnection: loop % 2 == 0) }
        try await load.waitForProgress(20)
        let readyBefore = notify.messages.count

        supervisor.signal(SIGHUP)
        try await supervisor.waitForLog(event: "reload.completed")
        try await waitUntil("the old generation to leave") { supervisor.workerPIDs.isDisjoint(with: before) && supervisor.workerPIDs.count == 2 }
        try await load.waitForProgress(40)
        await load.stop()

        #expect(load.failureList.isEmpty, "\(load.failureList.count) failed: \(load.failureList.prefix(5))")
        let reloading = try #require(notify.index(of: "RELOADING=1", from: readyBefore))
        #expect(notify.messages[reloading].contains("MONOTONIC_USEC="))
        #expect(notify.index(of: "READY=1", from: reloading + 1) != nil)
    }

    @Test func reloadWithAnInvalidConfigurationKeepsServing() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let dotEnv = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID().uuidString).env")
        try "GATEHOUSE_LOG_LEVEL=info\n".write(to: dotEnv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dotEnv) }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, environment: ["GATEHOUSE_DOTENV": dotEnv.path])
        defer { supervisor.stop() }
        let workers = supervisor.workerPIDs

        try "GATEHOUSE_KEEPALIVE_TIMEOUT=forever\n".write(to: dotEnv, atomically: true, encoding: .utf8)
        supervisor.signal(SIGHUP)
        try await supervisor.waitForLog(event: "reload.failed")
        let failure = try #require(supervisor.process.logLines(event: "reload.failed").first)
        #expect((failure["problems"] as? [String])?.first?.hasPrefix("GATEHOUSE_KEEPALIVE_TIMEOUT:") == true)
        #expect(supervisor.workerPIDs == workers)
        #expect(try await supervisor.client.get(supervisor.baseURL + "/readyz").status == 200)
    }

    @Test func terminateWaitsForTheSlowRequestAndExitsZero() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        let supervisor = try await SupervisorProcess.start(
            idp: idp, workers: 1, environment: ["GATEHOUSE_TEST_HOOKS": "true", "GATEHOUSE_ENV": "development", "GATEHOUSE_GRACEFUL_TIMEOUT": "20"],
            notify: notify)
        defer { supervisor.stop() }

        let slow = Task { try await supervisor.client.get(supervisor.baseURL + "/__test/slow?ms=2000") }
        try await supervisor.waitForLog(event: "test.slow_started")
        let started = ContinuousClock.now
        supervisor.signal(SIGTERM)
        let answer = try await slow.value
        #expect(answer.status == 200)
        #expect(answer.json?["slept_ms"] as? Int == 2000)
        #expect(try await supervisor.process.waitForExit(timeout: .seconds(25)) == 0)
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(notify.index(of: "STOPPING=1") != nil)
    }

    @Test func ttinAndTtouChangeTheWorkerCount() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1)
        defer { supervisor.stop() }
        supervisor.signal(SIGTTIN)
        try await waitUntil("two workers") { supervisor.workerPIDs.count == 2 }
        try await supervisor.waitForLog(event: "worker.ready", count: 2)
        supervisor.signal(SIGTTOU)
        try await waitUntil("one worker") { supervisor.workerPIDs.count == 1 }
        supervisor.signal(SIGTTOU)  // Never below one.
        try await supervisor.waitForLog(event: "worker.exited", count: 1)
        try await Task.sleep(for: .milliseconds(300))  // Give a wrong second exit the chance to happen.
        #expect(supervisor.workerPIDs.count == 1)
        #expect(try await supervisor.client.get(supervisor.baseURL + "/readyz").status == 200)
    }

    @Test func stuckWorkerIsAbortedAndReplaced() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(
            idp: idp, workers: 1,
            environment: ["GATEHOUSE_TEST_HOOKS": "true", "GATEHOUSE_ENV": "development", "GATEHOUSE_WORKER_TIMEOUT": "2"])
        defer { supervisor.stop() }
        let stuck = try #require(supervisor.workerPIDs.first)
        let stall = Task { try? await supervisor.client.get(supervisor.baseURL + "/__test/stall?ms=60000") }
        try await supervisor.waitForLog(event: "worker.timeout", timeout: .seconds(20))
        try await supervisor.waitForLog(event: "worker.ready", count: 2, timeout: .seconds(20))
        try await supervisor.waitForLog(event: "worker.exited", timeout: .seconds(20)) { ($0["worker_pid"] as? Int).map(Int32.init) == stuck }
        stall.cancel()
        #expect(!supervisor.workerPIDs.contains(stuck))
        let exited = supervisor.process.logLines(event: "worker.exited").first { ($0["worker_pid"] as? Int).map(Int32.init) == stuck }
        #expect((exited?["status"] as? String)?.contains("SIGABRT") == true || (exited?["status"] as? String)?.contains("SIGKILL") == true)
        #expect(try await supervisor.client.get(supervisor.baseURL + "/readyz").status == 200)
    }

    @Test func recyclingUnderLoadFailsNoRequest() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(
            idp: idp, workers: 2, environment: ["GATEHOUSE_MAX_REQUESTS": "40", "GATEHOUSE_MAX_REQUESTS_JITTER": "10"])
        defer { supervisor.stop() }
        let token = try await idp.token()
        let load = LoadGenerator(loops: 4) { loop in try await supervisor.whoamiPID(token: token, newConnection: loop % 2 == 0) }
        try await supervisor.waitForLog(event: "worker.retiring", count: 3, timeout: .seconds(60))
        // Replacements serve: answers come from more processes than the first two.
        try await waitUntil(timeout: .seconds(30), "answers from replacement workers") { load.answeringPIDs.count > 2 }
        try await load.waitForProgress(20)
        await load.stop()
        #expect(load.failureList.isEmpty, "\(load.failureList.count) failed: \(load.failureList.prefix(5))")
    }
}
