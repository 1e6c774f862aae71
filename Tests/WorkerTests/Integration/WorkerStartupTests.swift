import Foundation
import TestSupport
import Testing

@Suite struct WorkerStartupTests {
    @Test func invalidConfigurationStopsStartUpWithOneLinePerProblem() async throws {
        let worker = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"],
            environment: [
                "GATEHOUSE_DOTENV": "/dev/null",
                "GATEHOUSE_ISSUER": "http://auth.example.test/realms/x",
                "GATEHOUSE_WORKERS": "many",
                "GATEHOUSE_REDIS_URL": "redis://:topsecret@redis:6379/x",
            ])
        #expect(try await worker.waitForExit() == 78)
        let lines = worker.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.contains { $0.contains("GATEHOUSE_RESOURCE: is required") })
        #expect(lines.contains { $0.contains("GATEHOUSE_ISSUER:") && $0.contains("http://") })
        #expect(lines.contains { $0.contains("GATEHOUSE_WORKERS:") })
        #expect(lines.contains { $0.contains("GATEHOUSE_REDIS_URL:") })
        #expect(!worker.output.contains("topsecret"))
    }

    /// Redis without the key that signs what workers share through it: one line, exit 78.
    @Test func redisWithoutASharedCacheKeyStopsStartUp() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        var environment = WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_REDIS_URL": "redis://127.0.0.1:6390/0"])
        environment["GATEHOUSE_SHARED_CACHE_KEY"] = nil
        let worker = try ManagedProcess(executable: BuildProducts.executable("gatehouse"), arguments: ["worker"], environment: environment)
        #expect(try await worker.waitForExit() == 78)
        let lines = worker.output.split(separator: "\n").filter { !$0.contains("config.warning") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("GATEHOUSE_SHARED_CACHE_KEY: is required with GATEHOUSE_REDIS_URL") == true)
    }

    @Test func discoveryFromAnotherIssuerIsRefused() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        // The discovery document names the provider's real issuer, which differs from the
        // configured one (a trailing slash is a different issuer): keys are never loaded.
        let worker = try await WorkerProcess.start(
            idp: idp, environment: ["GATEHOUSE_ISSUER": idp.issuer + "/"], waitForReady: false)
        defer { worker.stop() }
        try await waitUntil("a refused discovery") {
            worker.process.logLines(event: "jwks.refresh_failed").contains { ($0["error"] as? String)?.contains("issuer does not match") == true }
        }
        #expect(try await TestHTTPClient().get(worker.baseURL + "/readyz").status == 503)
    }
}
