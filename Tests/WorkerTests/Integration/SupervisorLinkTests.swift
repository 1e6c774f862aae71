import Common
import Foundation
import TestSupport
import Testing

/// The worker's half of the control protocol, driven by the test as the supervisor would.
@Suite(.serialized)
struct SupervisorLinkTests {
    let client = TestHTTPClient()

    func startWorker(idp: DevIdPProcess, extra: [String: String] = [:]) throws -> (ManagedProcess, ControlSocket, ListeningSocket) {
        let (supervisorEnd, workerEnd) = try ControlSocket.pair()
        let socket = try ListeningSocket()
        var environment = WorkerProcess.environment(idp: idp, extra: extra)
        environment.merge(WorkerHandOff.environment(listeningCount: 1, slot: 0)) { _, new in new }
        let worker = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"], environment: environment,
            descriptors: WorkerHandOff.descriptors(listening: [socket.fileDescriptor], control: workerEnd.fileDescriptor),
            heldSignals: WorkerHandOff.heldSignals)
        workerEnd.close()
        return (worker, supervisorEnd, socket)
    }

    func next(_ control: ControlSocket, timeout: Duration = .seconds(20), matching predicate: @escaping (ControlMessage) -> Bool) async throws -> ControlMessage {
        try await eventually(timeout: timeout, "a control message") { () -> ControlMessage? in
            switch control.receive() {
            case .message(let message): return predicate(message) ? message : nil
            case .closed: throw HarnessError("control socket closed")
            default: return nil
            }
        }
    }

    @Test func readyThenHeartbeatsWithCounters() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let (worker, control, socket) = try startWorker(idp: idp)
        defer { worker.stop(); control.close() }

        #expect(try await next(control) { $0 == .ready } == .ready)
        // Ready means ready: the first request after `ready` succeeds.
        #expect(try await client.get("http://127.0.0.1:\(socket.port)/readyz").status == 200)
        _ = try await client.get("http://127.0.0.1:\(socket.port)/healthz")
        let beat = try await next(control) { message in
            if case .heartbeat(let counters) = message { return counters.requests >= 2 }
            return false
        }
        guard case .heartbeat(let counters) = beat else { return }
        #expect(counters.requests >= 2)

        // The worker's control socket closes when it exits.
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
        try await waitUntil("the control socket to close") {
            var result = control.receive()
            while case .message = result { result = control.receive() }
            return result == .closed
        }
    }

    /// A handed-off worker waits for its keys before it adopts its socket; a stop in that
    /// window (here held open by a provider that is down) must end it at once, not hang
    /// until the supervisor's SIGKILL.
    @Test func stopWhileLoadingKeysEndsTheWorkerPromptly() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        try await idp.goDown()
        let (worker, control, _) = try startWorker(idp: idp)
        defer { worker.stop(); control.close() }
        try await waitUntil("a failed key load") { !worker.logLines(event: "jwks.refresh_failed").isEmpty }
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(2)) == 0)
        #expect(worker.logLines(event: "worker.listening").isEmpty)
    }

    /// TERM at every moment of a worker's start, 0-100 ms after it was spawned: it always
    /// exits 0 within 2 s (its signals are held from its first instruction, as the
    /// supervisor starts it).
    @Test func stopAtAnyMomentOfStartUpEndsTheWorkerPromptly() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        var outcomes: [String: Int] = [:]
        for _ in 0..<2 {
            for milliseconds in stride(from: 0, through: 100, by: 10) {
                let (worker, control, _) = try startWorker(idp: idp)
                defer { worker.stop(); control.close() }
                try await Task.sleep(for: .milliseconds(milliseconds))
                worker.signal(SIGTERM)
                #expect(try await worker.waitForExit(timeout: .seconds(2)) == 0, "TERM \(milliseconds) ms after spawn")
                let stage = !worker.logLines(event: "worker.listening").isEmpty ? "listening"
                    : !worker.logLines(event: "jwks.refresh").isEmpty ? "keys loaded" : "before keys"
                outcomes[stage, default: 0] += 1
            }
        }
        // The sweep reached a worker both before and after it started serving.
        #expect(outcomes["before keys", default: 0] > 0 && outcomes["listening", default: 0] > 0, "\(outcomes)")
    }

    @Test func maxRequestsUnderASupervisorAnnouncesRetirementAndKeepsServing() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let (worker, control, socket) = try startWorker(idp: idp, extra: ["GATEHOUSE_MAX_REQUESTS": "5"])
        defer { worker.stop(); control.close() }
        #expect(try await next(control) { $0 == .ready } == .ready)
        for _ in 0..<6 {
            #expect(try await client.get("http://127.0.0.1:\(socket.port)/healthz").status == 200)
        }
        #expect(try await next(control) { if case .retiring = $0 { true } else { false } } == .retiring(reason: "max_requests"))
        // Still serving until the supervisor has a replacement and sends TERM.
        #expect(try await client.get("http://127.0.0.1:\(socket.port)/healthz").status == 200)
        #expect(worker.isRunning)
    }

    @Test func maxRequestsWithoutASupervisorStopsTheWorker() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_MAX_REQUESTS": "3"])
        defer { worker.stop() }
        for _ in 0..<3 {
            _ = try? await client.get(worker.baseURL + "/healthz")
        }
        #expect(try await worker.process.waitForExit() == 0)
    }

    @Test func testHooksNeedDevelopmentMode() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let refused = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"],
            environment: WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_TEST_HOOKS": "true"]))
        #expect(try await refused.waitForExit() == 78)
        #expect(refused.output.contains("GATEHOUSE_TEST_HOOKS"))
        let failing = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"],
            environment: WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_TEST_WORKER_BOOT_FAILURE": "true"]))
        #expect(try await failing.waitForExit() == 78)
        #expect(failing.output.contains("GATEHOUSE_TEST_WORKER_BOOT_FAILURE: is only allowed with GATEHOUSE_ENV=development"))

        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_TEST_HOOKS": "true", "GATEHOUSE_ENV": "development"])
        defer { worker.stop() }
        let slow = try await client.get(worker.baseURL + "/__test/slow?ms=50")
        #expect(slow.json?["slept_ms"] as? Int == 50)

        let production = try await WorkerProcess.start(idp: idp)
        defer { production.stop() }
        #expect(try await client.get(production.baseURL + "/__test/slow?ms=50").status == 404)
    }
}
