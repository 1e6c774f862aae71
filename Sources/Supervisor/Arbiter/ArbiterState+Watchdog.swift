import Glibc

/// What the supervisor reports about itself on each turn: `WATCHDOG=1` while the loop turns,
/// and `<pidfile>.status` for `gatehouse status`.
extension ArbiterState {
    struct Reporting {
        let supervisorPID: pid_t
        /// Half systemd's `WatchdogSec=`; nil when the watchdog is off.
        let watchdogPingInterval: Duration?
        /// A pidfile (its status file) or the metrics need the status report.
        let reportsStatus: Bool
        var lastWatchdogPing: Duration?
        /// The last report written, without what changes on every turn, and when.
        var lastStatus: (report: StatusReport, writtenAt: Duration)?

        init(supervisorPID: pid_t, watchdogPingInterval: Duration?, reportsStatus: Bool) {
            self.supervisorPID = supervisorPID
            self.watchdogPingInterval = watchdogPingInterval
            self.reportsStatus = reportsStatus
        }

        var nextWatchdogPing: Duration? {
            guard let watchdogPingInterval, let lastWatchdogPing else { return nil }
            return lastWatchdogPing + watchdogPingInterval
        }
    }

    mutating func pingWatchdog(now: Duration) -> [ArbiterAction] {
        guard reporting.watchdogPingInterval != nil else { return [] }
        if let next = reporting.nextWatchdogPing, now < next { return [] }
        reporting.lastWatchdogPing = now
        return [.notify([.watchdog, .status(statusLine)])]
    }

    /// Written when it changes, and at least once a second for the ages and counters.
    mutating func reportStatus(now: Duration) -> [ArbiterAction] {
        guard reporting.reportsStatus else { return [] }
        let report = StatusReport(
            supervisorPID: reporting.supervisorPID, phase: phase.name, generation: generation, targetWorkers: targetCount,
            workers: workers.values.sorted { $0.pid < $1.pid }.map { worker in
                StatusReport.Worker(
                    pid: worker.pid, slot: worker.slot, generation: worker.generation, state: worker.stateName,
                    ageSeconds: Int((now - worker.startedAt).components.seconds), requests: worker.requests,
                    connections: worker.connections)
            })
        var comparable = report
        comparable.workers = comparable.workers.map { var worker = $0; worker.ageSeconds = 0; worker.requests = 0; worker.connections = 0; return worker }
        if let last = reporting.lastStatus, now - last.writtenAt < .seconds(1), last.report == comparable { return [] }
        reporting.lastStatus = (comparable, now)
        return [.writeStatus(report)]
    }

    var statusLine: String {
        let ready = workers.values.filter { $0.state == .ready }.count
        return "\(ready) of \(targetCount) workers ready, generation \(generation)"
    }
}
