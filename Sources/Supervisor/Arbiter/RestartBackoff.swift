/// How long a slot waits before its next spawn after workers died there: nothing after a
/// worker that had served (a crash is replaced at once), doubling for each one that died
/// during boot (a broken build or configuration should not spin the machine).
struct RestartBackoff {
    static let first: Duration = .milliseconds(250)
    static let maximum: Duration = .seconds(10)

    private var bootFailures: [Int: Int] = [:]
    private var notBefore: [Int: Duration] = [:]

    mutating func workerExited(slot: Int, wasReady: Bool, now: Duration) {
        if wasReady {
            bootFailures[slot] = 0
            notBefore[slot] = nil
            return
        }
        let failures = (bootFailures[slot] ?? 0) + 1
        bootFailures[slot] = failures
        let delay = min(Self.maximum, Self.first * (1 << min(failures - 1, 10)))
        notBefore[slot] = now + delay
    }

    mutating func workerReady(slot: Int) {
        bootFailures[slot] = 0
        notBefore[slot] = nil
    }

    func canSpawn(slot: Int, now: Duration) -> Bool {
        notBefore[slot].map { now >= $0 } ?? true
    }

    /// The earliest spawn still waited for, for the poll timeout. A time already past waits for
    /// nothing: it stays recorded until the slot's next worker is ready, possibly forever after TTOU.
    func nextDeadline(after now: Duration) -> Duration? {
        notBefore.values.filter { $0 > now }.min()
    }
}
