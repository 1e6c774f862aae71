import Foundation

/// A running `gatehouse worker` pointed at a `DevIdPProcess`.
public final class WorkerProcess: @unchecked Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let resource: String

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var mcpURL: String { "\(baseURL)/mcp" }

    /// The fleet's key for records shared through Redis, in every test.
    public static let sharedCacheKey = "test-fleet-shared-cache-key-0123456789abcdef"

    /// The environment a worker needs to trust `idp`; `extra` adds or overrides variables.
    public static func environment(idp: DevIdPProcess, resource: String = DevIdPProcess.defaultAudience, extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "GATEHOUSE_RESOURCE": resource,
            "GATEHOUSE_ISSUER": idp.issuer,
            "GATEHOUSE_ALLOW_INSECURE_HTTP": "true",
            "GATEHOUSE_BIND": "127.0.0.1:0",
            // A port of its own for each supervisor's metrics, so tests never share one.
            "GATEHOUSE_METRICS_BIND": "127.0.0.1:0",
            "GATEHOUSE_LOG_LEVEL": "info",
            // Never read a developer's ./.env during tests.
            "GATEHOUSE_DOTENV": "/dev/null",
            // Required with GATEHOUSE_REDIS_URL; harmless without.
            "GATEHOUSE_SHARED_CACHE_KEY": sharedCacheKey,
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Starts a worker on a free port; waits until it listens and, unless told otherwise, is ready.
    public static func start(
        idp: DevIdPProcess, resource: String = DevIdPProcess.defaultAudience, environment extra: [String: String] = [:],
        waitForReady: Bool = true
    ) async throws -> WorkerProcess {
        let process = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"],
            environment: environment(idp: idp, resource: resource, extra: extra))
        let port = try await eventually(timeout: .seconds(30), "worker to listen") { () -> Int? in
            guard process.isRunning else { throw HarnessError("worker exited: \(process.output)") }
            return process.logLines(event: "worker.listening").first?["port"] as? Int
        }
        let worker = WorkerProcess(process: process, port: port, resource: resource)
        if waitForReady {
            let client = TestHTTPClient()
            try await waitUntil(timeout: .seconds(30), "worker /readyz") {
                (try? await client.get("\(worker.baseURL)/readyz"))?.status == 200
            }
        }
        return worker
    }

    private init(process: ManagedProcess, port: Int, resource: String) {
        self.process = process
        self.port = port
        self.resource = resource
    }

    @discardableResult
    public func stop() -> Int32 { process.stop() }
}
