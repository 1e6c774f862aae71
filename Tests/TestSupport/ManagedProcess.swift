import Common
import Foundation

/// A child process started by a test, its output captured to a file that tests can read while
/// it runs. Started with `ProcessSpawner` (so it gets a clean signal mask, unlike Foundation's
/// `Process`, whose children inherit the test runner's blocked signals). Killed when released.
public final class ManagedProcess: @unchecked Sendable {
    public let pid: pid_t
    public let outputURL: URL
    public let executable: URL
    private let lock = NSLock()
    private var exitStatus: WaitStatus?

    public init(
        executable: URL, arguments: [String] = [], environment: [String: String] = [:],
        inheritEnvironment: Bool = false, descriptors: [Int32: Int32] = [:], heldSignals: [Int32] = []
    ) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.executable = executable
        outputURL = directory.appendingPathComponent("\(executable.lastPathComponent)-\(UUID().uuidString).log")
        let output = open(outputURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(output); close(input) }

        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        env.merge(environment) { _, new in new }
        var mapping: [Int32: Int32] = [0: input, 1: output, 2: output]
        mapping.merge(descriptors) { _, new in new }
        pid = try ProcessSpawner().spawn(
            executable: executable.path, arguments: arguments, environment: env, descriptors: mapping, heldSignals: heldSignals)
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForStatus(blocking: true)
        }
    }

    /// The exit status once the process has ended (reaping it), nil while it runs.
    public var status: WaitStatus? { waitForStatus(blocking: false) }
    public var isRunning: Bool { status == nil }

    private func waitForStatus(blocking: Bool) -> WaitStatus? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
        if result == pid {
            exitStatus = WaitStatus(rawValue: raw)
        }
        return exitStatus
    }

    /// Everything the process has written so far (stdout and stderr).
    public var output: String {
        (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    /// The JSON log lines written so far, parsed; other lines are skipped.
    public var logLines: [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    public func logLines(event: String) -> [[String: Any]] {
        logLines.filter { $0["event"] as? String == event }
    }

    /// The signals the process has blocked now, from `SigBlk` in /proc/<pid>/status.
    public var blockedSignals: Set<Int32> {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
            let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return [] }
        return Set((1...64).filter { mask & (1 << UInt64($0 - 1)) != 0 }.map { Int32($0) })
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Sends SIGTERM, waits up to `timeout`, then SIGKILL. Returns the exit code (128+signal when killed).
    @discardableResult
    public func stop(timeout: TimeInterval = 10) -> Int32 {
        if isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while isRunning && Date() < deadline { usleep(5_000) }
            if isRunning {
                kill(pid, SIGKILL)
                _ = waitForStatus(blocking: true)
            }
        }
        return exitCode
    }

    private var exitCode: Int32 {
        switch status {
        case .exited(let code)?: code
        case .signaled(let signal, _)?: 128 + signal
        default: -1
        }
    }

    /// Waits for the process to exit on its own; returns its exit code (128+signal when killed).
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "\(executable.lastPathComponent) to exit") { !self.isRunning }
        return exitCode
    }
}
