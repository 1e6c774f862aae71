import Foundation
import TestSupport
import Testing

@Suite(.serialized)
struct SupervisorCommandTests {
    let gatehouse = BuildProducts.executable("gatehouse")

    @Test func checkConfigValidatesWithoutStartingAnything() async throws {
        let good = try ManagedProcess(executable: gatehouse, arguments: ["check-config"], environment: [
            "GATEHOUSE_DOTENV": "/dev/null", "GATEHOUSE_RESOURCE": "https://mcp.example.test/mcp",
            "GATEHOUSE_ISSUER": "https://auth.example.test/realms/mcp-realm",
        ])
        #expect(try await good.waitForExit() == 0)
        #expect(good.output.contains("configuration OK"))

        let bad = try ManagedProcess(executable: gatehouse, arguments: ["check-config", "--workers", "0"], environment: [
            "GATEHOUSE_DOTENV": "/dev/null", "GATEHOUSE_ISSUER": "http://auth.example.test/realms/mcp-realm",
        ])
        #expect(try await bad.waitForExit() == 78)
        let lines = bad.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains("GATEHOUSE_RESOURCE") })
        #expect(lines.contains { $0.contains("GATEHOUSE_ISSUER") })
        #expect(lines.contains { $0.contains("GATEHOUSE_WORKERS") })  // The flag overrides the environment.
    }

    @Test func versionAndHelp() async throws {
        let version = try ManagedProcess(executable: gatehouse, arguments: ["--version"])
        #expect(try await version.waitForExit() == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for command in ["serve", "check-config", "healthcheck"] {
            let help = try ManagedProcess(executable: gatehouse, arguments: [command, "--help"])
            #expect(try await help.waitForExit() == 0)
            #expect(help.output.contains("USAGE"))
        }
    }

    @Test func healthcheckAndPidfile() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let pidfile = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID().uuidString).pid").path
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, environment: ["GATEHOUSE_PIDFILE": pidfile])
        #expect(try String(contentsOfFile: pidfile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == String(supervisor.pid))

        let healthy = try ManagedProcess(executable: gatehouse, arguments: ["healthcheck", "--url", supervisor.baseURL + "/readyz"])
        #expect(try await healthy.waitForExit() == 0)
        let fromBind = try ManagedProcess(executable: gatehouse, arguments: ["healthcheck"], environment: [
            "GATEHOUSE_BIND": "127.0.0.1:\(supervisor.port)", "GATEHOUSE_DOTENV": "/dev/null",
        ])
        #expect(try await fromBind.waitForExit() == 0)

        #expect(supervisor.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidfile))
        let down = try ManagedProcess(executable: gatehouse, arguments: ["healthcheck", "--url", supervisor.baseURL + "/readyz", "--timeout", "1"])
        #expect(try await down.waitForExit() == 1)
    }

    /// The probe links no HTTP library beyond NIO: a server that never answers is unhealthy
    /// within the timeout, and an https URL (the server itself speaks plain HTTP) is refused.
    @Test func healthcheckGivesUpOnASilentServerAndRefusesHTTPS() async throws {
        let silent = try ListeningSocket()  // Listens, never accepts: the handshake completes, no answer comes.
        let started = ContinuousClock.now
        let waiting = try ManagedProcess(executable: gatehouse, arguments: [
            "healthcheck", "--url", "http://127.0.0.1:\(silent.port)/readyz", "--timeout", "1",
        ])
        #expect(try await waiting.waitForExit() == 1)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(waiting.output.contains("unhealthy: no answer in time"))

        let https = try ManagedProcess(executable: gatehouse, arguments: ["healthcheck", "--url", "https://127.0.0.1:\(silent.port)/readyz"])
        #expect(try await https.waitForExit() == 1)
        #expect(https.output.contains("only http:// URLs"))
    }

    @Test func workersThatCannotBootStopTheSupervisorWithAClearLine() async throws {
        // Every worker exits with status 3 before it serves, as a broken build would.
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let started = ContinuousClock.now
        let supervisor = try await SupervisorProcess.start(
            idp: idp, workers: 2,
            environment: ["GATEHOUSE_ENV": "development", "GATEHOUSE_TEST_WORKER_BOOT_FAILURE": "true"], waitForReady: false)
        let status = try await supervisor.process.waitForExit(timeout: .seconds(30))
        #expect(status != 0)
        #expect(ContinuousClock.now - started < .seconds(15))
        let line = supervisor.process.output.split(separator: "\n").first { $0.hasPrefix("gatehouse: workers keep failing during boot") }
        #expect(line?.contains("exit status 3") == true)
    }

    @Test func socketActivationThroughSystemd() async throws {
        let activate = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activate), "systemd-socket-activate (Debian's systemd package)")
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let notify = try NotifySocket()
        let port = try ListeningSocket().port  // A free port (released again at once).
        var environment = WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_WORKERS": "2", "NOTIFY_SOCKET": notify.path])
        environment["GATEHOUSE_BIND"] = "127.0.0.1:1"  // Ignored: the socket comes from systemd.
        var arguments = ["--listen=127.0.0.1:\(port)"]
        for (name, value) in environment { arguments.append("--setenv=\(name)=\(value)") }
        arguments += [gatehouse.path, "serve"]
        let activator = try ManagedProcess(executable: URL(fileURLWithPath: activate), arguments: arguments)
        defer { activator.stop(timeout: 20) }

        let client = TestHTTPClient()
        let ready = try await eventually(timeout: .seconds(30), "an answer on the activated socket") {
            let response = try await client.get("http://127.0.0.1:\(port)/readyz")
            return response.status == 200 ? response : nil
        }
        #expect(ready.json?["status"] as? String == "ready")
        try await waitUntil("READY=1") { notify.index(of: "READY=1") != nil }
        #expect(activator.logLines(event: "supervisor.socket_activation").count == 1)
        let token = try await idp.token()
        let call = try await client.postJSON("http://127.0.0.1:\(port)/mcp", MCPRequests.callTool("echo", arguments: ["message": "activated"]), headers: MCPRequests.bearer(token))
        #expect(call.status == 200)
    }
}
