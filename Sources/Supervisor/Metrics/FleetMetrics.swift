import Prometheus

/// The fleet's metrics, in the supervisor's swift-prometheus registry, from the snapshots the
/// workers send with their heartbeats.
///
/// A counter grows by what each worker's counter grew since its previous snapshot, so nothing a
/// departed worker counted (recycled, crashed, replaced by a reload) is ever taken back. A
/// histogram grows the same way, bucket by bucket. A gauge describes the live workers: their
/// sum, or for a few, the worst of them (see `GaugeRule`).
///
/// Owned by the arbiter's loop; the metrics listener only renders the registry.
final class FleetMetrics {
    /// How the live workers' values of a gauge make the fleet's.
    enum GaugeRule {
        case sum, minimum, maximum
    }

    /// Gauges that are not a sum: the fleet's key set is as old as the oldest a worker holds,
    /// and Redis is up for the fleet only if every worker reaches it.
    static let gaugeRules: [String: GaugeRule] = [
        "gatehouse_jwks_key_set_age_seconds": .maximum,
        "gatehouse_redis_up": .minimum,
    ]

    private struct SeriesKey: Hashable {
        var name: String
        var labels: [MetricsSnapshot.Label]
    }

    /// What a worker reported last: counter values, histogram states, gauge values.
    private struct WorkerState {
        var counters: [SeriesKey: Double] = [:]
        var histograms: [SeriesKey: HistogramState] = [:]
        var gauges: [SeriesKey: Double] = [:]
    }

    /// A histogram as its text shows it: cumulative bucket counts by bound, then sum and count.
    struct HistogramState: Equatable {
        var buckets: [(bound: Double, count: Double)] = []
        var sum: Double = 0
        var count: Double = 0

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.sum == rhs.sum && lhs.count == rhs.count && lhs.buckets.elementsEqual(rhs.buckets) { $0 == $1 }
        }
    }

    /// Each family registered, as first seen: a worker whose family disagrees (another kind,
    /// help or set of buckets, as a newer binary might send) is not allowed to take it over,
    /// since the registry would stop the process rather than mix them.
    private struct Registration: Equatable {
        var kind: MetricsSnapshot.Kind
        var help: String
        var labelNames: [String]
        var buckets: [Double]
    }

    let registry: PrometheusCollectorRegistry
    private var workers: [Int32: WorkerState] = [:]
    private var registrations: [String: Registration] = [:]
    private var counters: [SeriesKey: Counter] = [:]
    private var histograms: [SeriesKey: ValueHistogram] = [:]
    private var gauges: [SeriesKey: Gauge] = [:]
    /// Names reserved by the supervisor's own metrics.
    private let reserved: Set<String>
    /// Snapshots refused, and families some worker disagreed about (see `Registration`).
    private(set) var refusedSnapshots = 0
    private(set) var refusedFamilies: Set<String> = []

    init(registry: PrometheusCollectorRegistry, reserved: Set<String> = []) {
        self.registry = registry
        self.reserved = reserved
    }

    /// A worker's latest snapshot; one that cannot be read changes nothing.
    func update(pid: Int32, text: [UInt8]) {
        guard let snapshot = MetricsSnapshot(parsing: text) else {
            refusedSnapshots += 1
            return
        }
        var previous = workers[pid] ?? WorkerState()
        var current = WorkerState()
        var histogramsSeen: [SeriesKey: HistogramState] = [:]
        var families = snapshot.families.makeIterator()
        var family = families.next()
        for sample in snapshot.samples {
            while let current = family, !current.owns(sample.name) { family = families.next() }
            guard let family, accepts(family, sample: sample) else { continue }
            switch family.kind {
            case .counter:
                let key = SeriesKey(name: sample.name, labels: sample.labels)
                // Made at zero too: a series that exists before it first counts is what alerts expect.
                let counter = counter(key, family)
                let grown = sample.value - (previous.counters[key] ?? 0)
                if grown > 0 { counter.increment(by: grown) }
                current.counters[key] = sample.value
            case .gauge:
                current.gauges[SeriesKey(name: sample.name, labels: sample.labels)] = sample.value
            case .histogram:
                let key = SeriesKey(name: family.name, labels: sample.labels.filter { $0.name != "le" })
                var state = histogramsSeen[key] ?? HistogramState()
                switch sample.name.dropFirst(family.name.count) {
                case "_bucket":
                    let bound = sample.labels.first { $0.name == "le" }.flatMap { Double($0.value == "+Inf" ? "inf" : $0.value) }
                    if let bound, bound.isFinite { state.buckets.append((bound, sample.value)) }
                case "_sum": state.sum = sample.value
                default: state.count = sample.value
                }
                histogramsSeen[key] = state
            }
        }
        for (key, state) in histogramsSeen {
            guard let family = snapshot.families.first(where: { $0.name == key.name }) else { continue }
            let before = previous.histograms.removeValue(forKey: key) ?? HistogramState(buckets: state.buckets.map { ($0.bound, 0) })
            if let histogram = histogram(key, family, bounds: state.buckets.map(\.bound)) {
                Self.record(from: before, to: state, into: histogram)
            }
            current.histograms[key] = state
        }
        workers[pid] = current
        refreshGauges(snapshot.families)
    }

    /// The worker is gone: what it counted stays counted; its gauges no longer add up.
    func retire(pid: Int32) {
        guard workers.removeValue(forKey: pid) != nil else { return }
        refreshGauges([])
    }

    /// Live workers with a snapshot.
    var reportingWorkers: Int { workers.count }

    /// One worker's latest value of a counter, summed over its labels (`gatehouse status`).
    func total(of name: String, pid: Int32) -> Double? {
        workers[pid].map { $0.counters.filter { $0.key.name == name }.values.reduce(0, +) }
    }

    // MARK: - Registry

    private func accepts(_ family: MetricsSnapshot.Family, sample: MetricsSnapshot.Sample) -> Bool {
        guard !reserved.contains(family.name) else { return false }
        let registration = Registration(
            kind: family.kind, help: family.help, labelNames: sample.labels.map(\.name).filter { $0 != "le" }, buckets: [])
        guard let known = registrations[family.name] else {
            registrations[family.name] = registration
            return true
        }
        // Buckets are checked when the histogram is made; the rest here.
        guard known.kind == registration.kind, known.help == registration.help,
            known.labelNames.isEmpty == registration.labelNames.isEmpty
        else {
            refusedFamilies.insert(family.name)
            return false
        }
        return true
    }

    private func counter(_ key: SeriesKey, _ family: MetricsSnapshot.Family) -> Counter {
        if let counter = counters[key] { return counter }
        let counter = registry.makeCounter(descriptor: Self.descriptor(key.name, family), labels: key.labels.map { ($0.name, $0.value) })
        counters[key] = counter
        return counter
    }

    private func histogram(_ key: SeriesKey, _ family: MetricsSnapshot.Family, bounds: [Double]) -> ValueHistogram? {
        if let histogram = histograms[key] { return histogram }
        guard let registration = registrations[family.name] else { return nil }
        if registration.buckets.isEmpty {
            registrations[family.name]?.buckets = bounds
        } else if registration.buckets != bounds {
            refusedFamilies.insert(family.name)
            return nil
        }
        let histogram = registry.makeValueHistogram(
            descriptor: Self.descriptor(key.name, family), labels: key.labels.map { ($0.name, $0.value) }, buckets: bounds)
        histograms[key] = histogram
        return histogram
    }

    /// Sets every gauge from the live workers' values, and zeroes those no live worker reports.
    private func refreshGauges(_ families: [MetricsSnapshot.Family]) {
        var values: [SeriesKey: [Double]] = [:]
        for worker in workers.values {
            for (key, value) in worker.gauges { values[key, default: []].append(value) }
        }
        for family in families where family.kind == .gauge {
            for key in values.keys where key.name == family.name && gauges[key] == nil {
                gauges[key] = registry.makeGauge(descriptor: Self.descriptor(key.name, family), labels: key.labels.map { ($0.name, $0.value) })
            }
        }
        for (key, gauge) in gauges {
            let live = values[key] ?? []
            switch Self.gaugeRules[key.name] ?? .sum {
            case .sum: gauge.set(to: live.reduce(0, +))
            case .minimum: gauge.set(to: live.min() ?? 0)
            case .maximum: gauge.set(to: live.max() ?? 0)
            }
        }
    }

    /// The worker's full name and help, as they came.
    private static func descriptor(_ name: String, _ family: MetricsSnapshot.Family) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: family.help)
    }

    // MARK: - Histograms

    /// Adds what a worker's histogram grew by to the fleet's. swift-prometheus takes
    /// observations one at a time, so each new observation is recorded again in its bucket
    /// (at the bucket's upper bound, the `+Inf` bucket's just past the last bound), and the
    /// values are then moved down within their buckets until their sum is the worker's: bucket
    /// counts, count and sum come out exact. The cost is one call per observation.
    static func record(from before: HistogramState, to after: HistogramState, into histogram: ValueHistogram) {
        for value in observations(from: before, to: after) { histogram.record(value) }
    }

    /// The values `record(from:to:into:)` records; exposed for tests.
    static func observations(from before: HistogramState, to after: HistogramState) -> [Double] {
        guard before.buckets.count == after.buckets.count, after.count > before.count else { return [] }
        var placed: [(value: Double, floor: Double)] = []
        var lower = 0.0
        var cumulativeBefore = 0.0
        var cumulativeAfter = 0.0
        for (old, new) in zip(before.buckets, after.buckets) {
            let added = Int(max(0, (new.count - cumulativeAfter) - (old.count - cumulativeBefore)))
            placed += Array(repeating: (new.bound, lower), count: added)
            lower = new.bound
            cumulativeBefore = old.count
            cumulativeAfter = new.count
        }
        let beyond = Int(max(0, (after.count - cumulativeAfter) - (before.count - cumulativeBefore)))
        let overflow = lower.nextUp * 2
        placed += Array(repeating: (overflow, lower), count: beyond)
        guard !placed.isEmpty else { return [] }

        var excess = placed.reduce(0) { $0 + $1.value } - (after.sum - before.sum)
        if excess < 0 {
            // More than the buckets' upper bounds hold: only an observation beyond the last bound takes it.
            if beyond > 0 { placed[placed.count - 1].value -= excess }
            excess = 0
        }
        for index in placed.indices where excess > 0 {
            // Strictly above the bucket's lower bound, or it would fall into the bucket below.
            let room = (placed[index].value - placed[index].floor) * 0.999_999
            let moved = min(room, excess)
            placed[index].value -= moved
            excess -= moved
        }
        return placed.map(\.value)
    }
}
