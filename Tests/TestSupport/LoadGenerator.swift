import Foundation

/// Sends requests continuously from a few loops (half on fresh connections, half on
/// keep-alive connections) until stopped, counting what failed. Bounded by `maximumDuration`.
public final class LoadGenerator: @unchecked Sendable {
    public struct Failure: Sendable, CustomStringConvertible {
        public var description: String
    }

    private let lock = NSLock()
    private var running = true
    private var succeeded = 0
    private var failures: [Failure] = []
    private var pids = Set<Int32>()
    private var tasks: [Task<Void, Never>] = []

    /// `request` runs one request and returns the answering worker's pid (nil if unknown), or throws.
    public init(loops: Int = 4, maximumDuration: Duration = .seconds(120), request: @escaping @Sendable (_ loop: Int) async throws -> Int32?) {
        let deadline = ContinuousClock.now + maximumDuration
        for loop in 0..<loops {
            tasks.append(Task.detached { [self] in
                while isRunning && ContinuousClock.now < deadline {
                    do {
                        let pid = try await request(loop)
                        record(pid: pid)
                    } catch {
                        record(failure: "\(error)")
                    }
                }
            })
        }
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func record(pid: Int32?) {
        lock.withLock {
            succeeded += 1
            if let pid { pids.insert(pid) }
        }
    }

    private func record(failure: String) {
        lock.withLock { failures.append(Failure(description: failure)) }
    }

    public var successCount: Int { lock.withLock { succeeded } }
    public var failureList: [Failure] { lock.withLock { failures } }
    public var answeringPIDs: Set<Int32> { lock.withLock { pids } }

    /// Waits until at least `count` more requests have succeeded.
    public func waitForProgress(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        let target = successCount + count
        try await waitUntil(timeout: timeout, "\(count) more successful requests") { self.successCount >= target }
    }

    public func stop() async {
        lock.withLock { running = false }
        for task in tasks { await task.value }
    }
}
