import Foundation

/// A value guarded by a lock, shared across event loops and tasks.
///
/// NIOLockedValueBox lives in NIOConcurrencyHelpers, which this target does not declare as a
/// dependency (NIOCore does not re-export it), so this is the same idea on Foundation's NSLock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked is sound: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value {
        withLock { $0 }
    }
}
