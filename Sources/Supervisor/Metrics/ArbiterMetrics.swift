import Common

/// The metrics the arbiter's loop keeps, in the one registry the metrics listener serves: the
/// fleet's, from the workers' snapshots, and the supervisor's own.
struct ArbiterMetrics {
    let fleet: FleetMetrics
    let supervisor: SupervisorMetrics

    /// The status report as the loop publishes it, with each worker's memory read now.
    func observe(_ report: StatusReport) {
        supervisor.observe(report, now: MonotonicClock.now())
    }
}
