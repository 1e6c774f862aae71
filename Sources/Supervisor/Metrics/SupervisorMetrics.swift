import Common
import Foundation
import Prometheus

/// What the supervisor itself counts: its workers by state, why workers were replaced, how
/// reloads went, each worker's memory, its own uptime and build.
final class SupervisorMetrics {
    static let workerStates = ["booting", "ready", "retiring", "stopping", "aborting", "killed"]
    /// The names this registry owns, which no worker may report.
    static let names: Set<String> = [
        "gatehouse_workers", "gatehouse_workers_target", "gatehouse_worker_restarts_total", "gatehouse_reloads_total",
        "gatehouse_worker_resident_memory_bytes", "gatehouse_supervisor_start_time_seconds",
        "gatehouse_supervisor_uptime_seconds", "gatehouse_build_info", "gatehouse_generation",
    ]

    let registry: PrometheusCollectorRegistry
    private let workers: [String: Gauge]
    private let target: Gauge
    private let restarts: [WorkerRestartCause: Counter]
    private let reloads: [ReloadOutcome: Counter]
    private let generation: Gauge
    private let uptime: Gauge
    private let startedAt: Duration
    private var memory: [Int: Gauge] = [:]

    init(registry: PrometheusCollectorRegistry, startedAt: Duration = MonotonicClock.now()) {
        self.registry = registry
        self.startedAt = startedAt
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "gatehouse", metricName: metric, unitName: unit, helpText: help)
        }
        let workersName = name("workers", "", "Worker processes by state.")
        workers = Dictionary(uniqueKeysWithValues: Self.workerStates.map { ($0, registry.makeGauge(descriptor: workersName, labels: [("state", $0)])) })
        target = registry.makeGauge(descriptor: name("workers_target", "", "Workers the supervisor keeps running (GATEHOUSE_WORKERS, TTIN, TTOU)."), labels: [])
        let restartName = name("worker_restarts", "total", "Workers replaced, by cause: crash, timeout, recycle (max requests), reload.")
        restarts = Dictionary(uniqueKeysWithValues: WorkerRestartCause.allCases.map { ($0, registry.makeCounter(descriptor: restartName, labels: [("cause", $0.rawValue)])) })
        let reloadName = name("reloads", "total", "Reloads (HUP) by outcome: completed, refused (invalid configuration), abandoned (new workers failed).")
        reloads = Dictionary(uniqueKeysWithValues: ReloadOutcome.allCases.map { ($0, registry.makeCounter(descriptor: reloadName, labels: [("outcome", $0.rawValue)])) })
        generation = registry.makeGauge(descriptor: name("generation", "", "The worker generation serving; each completed reload adds one."), labels: [])
        uptime = registry.makeGauge(descriptor: name("supervisor_uptime", "seconds", "Seconds since the supervisor started."), labels: [])
        registry.makeGauge(descriptor: name("supervisor_start_time", "seconds", "When the supervisor started, in seconds since the Unix epoch."), labels: [])
            .set(to: Date().timeIntervalSince1970 - Double((MonotonicClock.now() - startedAt).components.seconds))
        registry.makeGauge(
            descriptor: name("build_info", "", "Always 1; the labels name the running build."),
            labels: [("version", GatehouseVersion.current), ("swift_version", GatehouseVersion.swift)]
        ).set(to: 1)
    }

    func count(_ count: ArbiterCount) {
        switch count {
        case .restart(let cause): restarts[cause]?.increment()
        case .reload(let outcome): reloads[outcome]?.increment()
        }
    }

    /// The fleet as the status report shows it, and each slot's memory (the serving worker's).
    func observe(_ report: StatusReport, now: Duration) {
        for (state, gauge) in workers { gauge.set(to: Double(report.workers.count { $0.state == state })) }
        target.set(to: Double(report.targetWorkers))
        generation.set(to: Double(report.generation))
        uptime.set(to: Double((now - startedAt).components.seconds))
        var slots: [Int: Int] = [:]
        for worker in report.workers where worker.generation == report.generation {
            guard let bytes = worker.residentBytes else { continue }
            slots[worker.slot] = bytes
        }
        for (slot, bytes) in slots {
            let gauge = memory[slot] ?? registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "worker_resident_memory", unitName: "bytes",
                    helpText: "Resident memory of the serving worker in each slot."),
                labels: [("slot", String(slot))])
            memory[slot] = gauge
            gauge.set(to: Double(bytes))
        }
        // A slot given up (TTOU) is not kept at its last value.
        for (slot, gauge) in memory where slots[slot] == nil {
            registry.unregisterGauge(gauge)
            memory[slot] = nil
        }
    }
}
