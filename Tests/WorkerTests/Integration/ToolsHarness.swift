import Foundation
import TestSupport

/// A provider, a worker and (optionally) a private redis-server, with MCP and REST calls to the
/// worker's tools and tokens for any subject and scopes.
final class ToolsHarness: @unchecked Sendable {
    static let allScopes = "mcp:read mcp:write mcp:infer"

    let idp: DevIdPProcess
    let worker: WorkerProcess
    let redis: RedisServerProcess?
    let client = TestHTTPClient()

    static func start(redis useRedis: Bool = true, environment: [String: String] = [:]) async throws -> ToolsHarness {
        let redis = useRedis ? try await RedisServerProcess.start() : nil
        let idp = try await DevIdPProcess.start()
        var environment = environment
        if let redis { environment["GATEHOUSE_REDIS_URL"] = redis.url() }
        let worker = try await WorkerProcess.start(idp: idp, environment: environment)
        return ToolsHarness(idp: idp, worker: worker, redis: redis)
    }

    private init(idp: DevIdPProcess, worker: WorkerProcess, redis: RedisServerProcess?) {
        self.idp = idp
        self.worker = worker
        self.redis = redis
    }

    func stop() {
        worker.stop()
        idp.stop()
        redis?.stop()
    }

    /// A Keycloak-shaped token for `subject` with exactly `scope`.
    func token(subject: String = "subject-a", scope: String = allScopes) async throws -> String {
        var claims = idp.keycloakClaims(scope: scope)
        claims["sub"] = subject
        return try await idp.sign(payload: claims)
    }

    func mcp(_ tool: String, _ arguments: [String: Any] = [:], token: String) async throws -> TestResponse {
        try await client.postJSON(worker.mcpURL, MCPRequests.callTool(tool, arguments: arguments), headers: MCPRequests.bearer(token))
    }

    func rest(_ tool: String, _ arguments: [String: Any] = [:], token: String?) async throws -> TestResponse {
        try await client.postJSON(
            "\(worker.baseURL)/tools/\(tool)", arguments, headers: token.map(MCPRequests.bearer) ?? [:])
    }

    /// The `result` of a JSON-RPC reply, with `isError` made explicit as REST has it.
    static func mcpResult(_ response: TestResponse) -> [String: Any]? {
        guard var result = response.json?["result"] as? [String: Any] else { return nil }
        if result["isError"] == nil { result["isError"] = false }
        return result
    }

    /// JSON with sorted keys: equal strings, equal documents.
    static func canonical(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func structured(_ result: [String: Any]?) -> [String: Any]? {
        result?["structuredContent"] as? [String: Any]
    }
}
