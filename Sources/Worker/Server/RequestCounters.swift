import Synchronization

/// What the worker has served, for heartbeats and recycling; updated from the event loop,
/// read from anywhere.
final class RequestCounters: Sendable {
    private let served = Atomic<UInt64>(0)
    private let open = Atomic<Int>(0)

    var requests: UInt64 { served.load(ordering: .relaxed) }
    var connections: Int { open.load(ordering: .relaxed) }

    /// Returns the new total.
    @discardableResult
    func requestCompleted() -> UInt64 {
        served.add(1, ordering: .relaxed).newValue
    }

    func connectionOpened() { open.add(1, ordering: .relaxed) }
    func connectionClosed() { open.subtract(1, ordering: .relaxed) }
}
