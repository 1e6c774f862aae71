import Foundation

/// Polls a condition until it holds or the deadline passes: tests wait for facts, not for time.
public func eventually<T>(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(25),
    _ description: @autoclosure () -> String = "condition",
    _ probe: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        do {
            if let value = try await probe() { return value }
        } catch let error as HarnessError {
            throw error  // Something broke for good (a process died): no point waiting.
        } catch {
            // Not there yet (connection refused and the like): poll again.
        }
        if clock.now >= deadline { throw TimedOut(description: description(), timeout: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// Polls a boolean condition until it holds.
public func waitUntil(
    timeout: Duration = .seconds(10), _ description: @autoclosure () -> String = "condition",
    _ condition: () async throws -> Bool
) async throws {
    _ = try await eventually(timeout: timeout, description()) { try await condition() ? true : nil }
}

public struct TimedOut: Error, CustomStringConvertible {
    public var description: String
    public var timeout: Duration

    public var localizedDescription: String { "timed out after \(timeout) waiting for \(description)" }
}
