import Foundation

/// A running `gatehouse serve` pointed at a `DevIdPProcess`.
public final class SupervisorProcess: @unchecked Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let client = TestHTTPClient()

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var mcpURL: String { "\(baseURL)/mcp" }
    public var pid: Int32 { process.pid }

    /// Starts the supervisor on a free port and waits until it reports `supervisor.ready`.
    public static func start(
        idp: DevIdPProcess, workers: Int = 2, environment extra: [String: String] = [:], notify: NotifySocket? = nil,
        executable: URL = BuildProducts.executable("gatehouse"), arguments: [String] = ["serve"], waitForReady: Bool = true
    ) async throws -> SupervisorProcess {
        var environment = WorkerProcess.environment(idp: idp, extra: ["GATEHOUSE_WORKERS": String(workers)])
        environment.merge(extra) { _, new in new }
        if let notify { environment["NOTIFY_SOCKET"] = notify.path }
        let process = try ManagedProcess(executable: executable, arguments: arguments, environment: environment)
        let port = try await eventually(timeout: .seconds(30), "supervisor to listen") { () -> Int? in
            // Read the log before looking at the process: a supervisor may start and stop
            // between two polls (a crash loop halts within a second).
            let wasRunning = process.isRunning
            if let listen = process.logLines(event: "supervisor.started").first?["listen"] as? [String],
                let first = listen.first, let colon = first.lastIndex(of: ":")
            {
                return Int(first[first.index(after: colon)...])
            }
            guard wasRunning else { throw HarnessError("supervisor exited: \(process.output)") }
            return nil
        }
        let supervisor = SupervisorProcess(process: process, port: port)
        if waitForReady {
            try await supervisor.waitForLog(event: "supervisor.ready", timeout: .seconds(60))
        }
        return supervisor
    }

    private init(process: ManagedProcess, port: Int) {
        self.process = process
        self.port = port
    }

    public func waitForLog(event: String, count: Int = 1, timeout: Duration = .seconds(30), where predicate: @escaping ([String: Any]) -> Bool = { _ in true }) async throws {
        try await waitUntil(timeout: timeout, "\(count) × \(event)") {
            let wasRunning = self.process.isRunning
            if self.process.logLines(event: event).filter(predicate).count >= count { return true }
            guard wasRunning else { throw HarnessError("supervisor exited: \(self.process.output.suffix(3000))") }
            return false
        }
    }

    /// Pids of the supervisor's worker processes (its children), from /proc.
    public var workerPIDs: Set<Int32> {
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return Set(children.split(separator: " ").compactMap { Int32($0) })
    }

    public func signal(_ signal: Int32) { process.signal(signal) }

    /// `whoami` through MCP: the pid of the worker that answered. With `newConnection` the
    /// request closes its connection, so the next one may reach another worker.
    public func whoamiPID(token: String, newConnection: Bool = true) async throws -> Int32 {
        var headers = ["Authorization": "Bearer \(token)"]
        if newConnection { headers["Connection"] = "close" }
        let response = try await client.postJSON(mcpURL, ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "whoami"]], headers: headers)
        guard response.status == 200,
            let structured = (response.json?["result"] as? [String: Any])?["structuredContent"] as? [String: Any],
            let pid = structured["worker_pid"] as? Int
        else { throw HarnessError("whoami failed: \(response.status) \(response.text.prefix(200))") }
        return Int32(pid)
    }

    @discardableResult
    public func stop() -> Int32 { process.stop(timeout: 30) }
}
