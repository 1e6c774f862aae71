import Foundation
import TestSupport
import Testing

/// What operators rely on around the arbiter: status, log rotation, the watchdog, orphans, PID 1.
@Suite(.serialized)
struct OperatorTests {
    let gatehouse = BuildProducts.executable("gatehouse")

    @Test func statusShowsTheWorkers() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let pidfile = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID().uuidString).pid").path
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2, environment: ["GATEHOUSE_PIDFILE": pidfile])
        defer { supervisor.stop() }
        let served = 6
        for _ in 0..<served { _ = try await supervisor.client.get(supervisor.baseURL + "/healthz") }

        // Ready, with the requests served and each worker's memory, from the heartbeats.
        let json = try await eventually("a status with two ready workers and the requests served") { () -> [String: Any]? in
            let status = try ManagedProcess(executable: gatehouse, arguments: ["status", "--pidfile", pidfile, "--json"])
            guard try await status.waitForExit() == 0,
                let parsed = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any],
                let workers = parsed["workers"] as? [[String: Any]], workers.filter({ $0["state"] as? String == "ready" }).count == 2,
                workers.compactMap({ $0["requests"] as? Int }).reduce(0, +) >= served
            else { return nil }
            return parsed
        }
        #expect(json["supervisor_pid"] as? Int == Int(supervisor.pid))
        let workers = try #require(json["workers"] as? [[String: Any]])
        #expect(Set(workers.compactMap { ($0["pid"] as? Int).map(Int32.init) }) == supervisor.workerPIDs)
        #expect(workers.allSatisfy { $0["generation"] as? Int == 1 && $0["age_seconds"] is Int && $0["requests"] is Int })
        #expect(workers.allSatisfy { ($0["rss_bytes"] as? Int ?? 0) > 1 << 20 })

        let table = try ManagedProcess(executable: gatehouse, arguments: ["status", "--pidfile", pidfile])
        #expect(try await table.waitForExit() == 0)
        #expect(table.output.contains("PID") && table.output.contains("REQUESTS") && table.output.contains("RSS"))
        #expect(table.output.contains("2 of 2 workers ready"))

        supervisor.stop()
        let stopped = try ManagedProcess(executable: gatehouse, arguments: ["status", "--pidfile", pidfile])
        #expect(try await stopped.waitForExit() == 1)
    }

    @Test func usr1ReopensTheLogFileInSupervisorAndWorkers() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID().uuidString).log").path
        let rotated = log + ".1"
        defer { unlink(log); unlink(rotated) }
        // Logging to the file: the supervisor's start-up line is read from it, not stdout.
        let supervisorProcess = try ManagedProcess(executable: gatehouse, arguments: ["serve"], environment: WorkerProcess.environment(
            idp: idp, extra: ["GATEHOUSE_WORKERS": "1", "GATEHOUSE_LOG_PATH": log]))
        defer { supervisorProcess.stop() }
        func lines(_ path: String) -> [[String: Any]] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        try await waitUntil("the supervisor ready, logged to the file") { lines(log).contains { $0["event"] as? String == "supervisor.ready" } }

        // logrotate moves the file away; the processes keep writing to the moved one until USR1.
        #expect(rename(log, rotated) == 0)
        supervisorProcess.signal(SIGUSR1)
        try await waitUntil("both processes to reopen") {
            Set(lines(log).filter { $0["event"] as? String == "logs.reopened" }.compactMap { $0["logger"] as? String })
                == ["gatehouse.supervisor", "gatehouse.worker"]
        }
        #expect(lines(rotated).contains { $0["event"] as? String == "supervisor.started" })
        #expect(!lines(log).contains { $0["event"] as? String == "supervisor.started" })
    }

    @Test func watchdogIsPingedWhileTheLoopIsHealthy() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        // Without WATCHDOG_PID libsystemd takes the watchdog as ours: pings every half interval.
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, environment: ["WATCHDOG_USEC": "400000"], notify: notify)
        defer { supervisor.stop() }
        try await waitUntil("five watchdog pings") { notify.messages.filter { $0.contains("WATCHDOG=1") }.count >= 5 }
        // The workers never see systemd's variables.
        let worker = try #require(supervisor.workerPIDs.first)
        let environment = try String(contentsOfFile: "/proc/\(worker)/environ", encoding: .utf8)
        #expect(!environment.contains("WATCHDOG_USEC"))
        #expect(!environment.contains("NOTIFY_SOCKET"))
    }

    @Test func workersLeaveWhenTheSupervisorIsKilled() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 2)
        let workers = supervisor.workerPIDs
        #expect(workers.count == 2)
        kill(supervisor.pid, SIGKILL)
        _ = try await supervisor.process.waitForExit()
        // Orphans notice the new parent within a heartbeat and drain; none keeps serving.
        try await waitUntil(timeout: .seconds(15), "the orphaned workers to exit") {
            workers.allSatisfy { kill($0, 0) != 0 }
        }
    }

    /// A worker whose event loop is stuck cannot see its parent go; the kernel ends it
    /// (PR_SET_PDEATHSIG) instead of leaving it to serve nothing, or keep its sockets, for good.
    @Test func aWorkerWithAStuckLoopDoesNotOutliveItsSupervisor() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, environment: [
            "GATEHOUSE_TEST_HOOKS": "true", "GATEHOUSE_ENV": "development", "GATEHOUSE_WORKER_TIMEOUT": "120",
        ])
        let worker = try #require(supervisor.workerPIDs.first)
        let stall = try RawHTTPConnection(port: supervisor.port)
        try stall.send("GET /__test/stall?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n")
        // Stuck: a request on another connection gets no answer.
        try await waitUntil("the worker's loop to be stuck") {
            let probe = try RawHTTPConnection(port: supervisor.port)
            try probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            return probe.read(until: "HTTP/1.1", timeout: .milliseconds(300)).isEmpty
        }
        kill(supervisor.pid, SIGKILL)
        _ = try await supervisor.process.waitForExit()
        let killedAt = ContinuousClock.now
        try await waitUntil(timeout: .seconds(10), "the stuck worker to be gone") { kill(worker, 0) != 0 }
        #expect(ContinuousClock.now - killedAt < .seconds(5))
    }

    @Test func runsAsPIDOneInItsOwnNamespace() async throws {
        try #require(getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare")
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        // As in a container without an init: the supervisor is PID 1 and must still hear
        // TERM (a blocked signal read from signalfd counts as handled) and reap every child.
        let supervisor = try await SupervisorProcess.start(
            idp: idp, workers: 2, executable: URL(fileURLWithPath: "/usr/bin/unshare"),
            arguments: ["--pid", "--fork", "--kill-child", gatehouse.path, "serve"])
        #expect(supervisor.process.logLines(event: "supervisor.started").first?["pid"] as? Int == 1)
        #expect(try await supervisor.client.get(supervisor.baseURL + "/readyz").status == 200)
        // unshare forwards nothing; signal PID 1 in the namespace through its host pid.
        let children = (try? String(contentsOfFile: "/proc/\(supervisor.pid)/task/\(supervisor.pid)/children", encoding: .utf8)) ?? ""
        let hostPID = try #require(children.split(separator: " ").compactMap { Int32($0) }.first)
        kill(hostPID, SIGTERM)
        #expect(try await supervisor.process.waitForExit(timeout: .seconds(30)) == 0)
        #expect(supervisor.process.logLines(event: "supervisor.stopped").first?["exit_status"] as? Int == 0)
    }
}
