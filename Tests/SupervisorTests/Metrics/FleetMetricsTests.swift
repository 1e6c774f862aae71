import Prometheus
import Testing

@testable import Supervisor

/// A worker's registry, as the worker makes it: a counter by label, a histogram, gauges.
private struct FakeWorker {
    let registry = PrometheusCollectorRegistry()
    let ok: Counter
    let refused: Counter
    let duration: DurationHistogram
    let connections: Gauge
    let redisUp: Gauge

    init(help: String = "Requests answered.") {
        let requests = MetricNameDescriptor(namespace: "gatehouse", metricName: "http_requests", unitName: "total", helpText: help)
        ok = registry.makeCounter(descriptor: requests, labels: [("status_class", "2xx")])
        refused = registry.makeCounter(descriptor: requests, labels: [("status_class", "4xx")])
        duration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "gatehouse", metricName: "request_duration", unitName: "seconds", helpText: "Time."),
            labels: [("operation", "call")], buckets: [.milliseconds(1), .milliseconds(10), .milliseconds(100)])
        connections = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "gatehouse", metricName: "http_connections", unitName: "", helpText: "Open."), labels: [])
        redisUp = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "gatehouse", metricName: "redis_up", unitName: "", helpText: "Redis."), labels: [])
    }

    var text: [UInt8] { registry.emitToBuffer() }
}

/// The fleet registry's text, read back.
private func fleetValues(_ fleet: FleetMetrics) throws -> [String: Double] {
    let snapshot = try #require(MetricsSnapshot(parsing: fleet.registry.emitToBuffer()))
    var values: [String: Double] = [:]
    for sample in snapshot.samples {
        let labels = sample.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        values[labels.isEmpty ? sample.name : "\(sample.name){\(labels)}"] = sample.value
    }
    return values
}

@Suite struct FleetMetricsTests {
    @Test func snapshotsOfSwiftPrometheusTextAreReadBack() throws {
        let worker = FakeWorker()
        worker.ok.increment(by: Int64(3))
        worker.duration.record(.microseconds(500))
        let snapshot = try #require(MetricsSnapshot(parsing: worker.text))
        #expect(snapshot.families.map(\.name) .contains("gatehouse_http_requests_total"))
        #expect(snapshot.families.first { $0.name == "gatehouse_request_duration_seconds" }?.kind == .histogram)
        #expect(snapshot.samples.contains { $0.name == "gatehouse_http_requests_total" && $0.value == 3 && $0.labels == [.init(name: "status_class", value: "2xx")] })
        #expect(snapshot.samples.contains { $0.name == "gatehouse_request_duration_seconds_bucket" && $0.labels.last?.value == "+Inf" && $0.value == 1 })

        for garbage in ["nonsense", "# TYPE x gauge\nx{a=\"unterminated} 1", "# TYPE x gauge\ny 1", "# TYPE x summary\nx 1", "x 1"] {
            #expect(MetricsSnapshot(parsing: Array(garbage.utf8)) == nil, "\(garbage)")
        }
        let escaped = try #require(MetricsSnapshot(parsing: Array("# TYPE x counter\nx{a=\"q\\\"}\\\\\"} 2\n".utf8)))
        #expect(escaped.samples.first?.labels.first?.value == "q\"}\\")
    }

    @Test func countersAddUpAcrossWorkersAndNeverGoBackWhenOneLeaves() throws {
        let fleet = FleetMetrics(registry: PrometheusCollectorRegistry())
        let first = FakeWorker()
        let second = FakeWorker()
        first.ok.increment(by: Int64(5))
        second.ok.increment(by: Int64(7))
        second.refused.increment()
        fleet.update(pid: 100, text: first.text)
        fleet.update(pid: 200, text: second.text)
        #expect(try fleetValues(fleet)["gatehouse_http_requests_total{status_class=2xx}"] == 12)

        // The same snapshot twice counts once; growth counts what grew.
        first.ok.increment(by: Int64(2))
        fleet.update(pid: 100, text: first.text)
        fleet.update(pid: 100, text: first.text)
        #expect(try fleetValues(fleet)["gatehouse_http_requests_total{status_class=2xx}"] == 14)

        // The second worker crashes; its replacement starts from zero.
        fleet.retire(pid: 200)
        let replacement = FakeWorker()
        replacement.ok.increment()
        fleet.update(pid: 300, text: replacement.text)
        let values = try fleetValues(fleet)
        #expect(values["gatehouse_http_requests_total{status_class=2xx}"] == 15)
        #expect(values["gatehouse_http_requests_total{status_class=4xx}"] == 1)
        #expect(fleet.reportingWorkers == 2)
        #expect(fleet.total(of: "gatehouse_http_requests_total", pid: 100) == 7)
    }

    @Test func gaugesDescribeTheLiveWorkers() throws {
        let fleet = FleetMetrics(registry: PrometheusCollectorRegistry())
        let first = FakeWorker()
        let second = FakeWorker()
        first.connections.set(to: 3)
        second.connections.set(to: 4)
        first.redisUp.set(to: 1)
        second.redisUp.set(to: 0)
        fleet.update(pid: 1, text: first.text)
        fleet.update(pid: 2, text: second.text)
        var values = try fleetValues(fleet)
        #expect(values["gatehouse_http_connections"] == 7)
        #expect(values["gatehouse_redis_up"] == 0)  // Up only when every worker reaches it.

        fleet.retire(pid: 2)
        values = try fleetValues(fleet)
        #expect(values["gatehouse_http_connections"] == 3)
        #expect(values["gatehouse_redis_up"] == 1)
    }

    @Test func histogramsAreExactInBucketsCountAndSum() throws {
        let fleet = FleetMetrics(registry: PrometheusCollectorRegistry())
        let first = FakeWorker()
        let second = FakeWorker()
        let observed: [Duration] = [.microseconds(300), .milliseconds(1), .milliseconds(7), .milliseconds(50), .milliseconds(99), .seconds(2)]
        for value in observed { first.duration.record(value) }
        second.duration.record(.milliseconds(20))
        fleet.update(pid: 1, text: first.text)
        fleet.update(pid: 2, text: second.text)
        first.duration.record(.milliseconds(3))
        fleet.update(pid: 1, text: first.text)

        let values = try fleetValues(fleet)
        let prefix = "gatehouse_request_duration_seconds"
        #expect(values["\(prefix)_bucket{operation=call,le=0.001}"] == 2)
        #expect(values["\(prefix)_bucket{operation=call,le=0.01}"] == 4)
        #expect(values["\(prefix)_bucket{operation=call,le=0.1}"] == 7)
        #expect(values["\(prefix)_bucket{operation=call,le=+Inf}"] == 8)
        #expect(values["\(prefix)_count{operation=call}"] == 8)
        let sum = try #require(values["\(prefix)_sum{operation=call}"])
        #expect(abs(sum - (0.0003 + 0.001 + 0.007 + 0.05 + 0.099 + 2 + 0.02 + 0.003)) < 1e-9)
    }

    @Test func observationsStayInTheirBuckets() {
        typealias State = FleetMetrics.HistogramState
        let bounds = [0.001, 0.01, 0.1]
        let before = State(buckets: bounds.map { ($0, 0) }, sum: 0, count: 0)
        // Three observations near the bottom of their buckets: the values must move down.
        let after = State(buckets: [(0.001, 1), (0.01, 2), (0.1, 3)], sum: 0.0001 + 0.0011 + 0.0101, count: 3)
        let values = FleetMetrics.observations(from: before, to: after)
        #expect(values.count == 3)
        #expect(values.filter { $0 <= 0.001 }.count == 1)
        #expect(values.filter { $0 > 0.001 && $0 <= 0.01 }.count == 1)
        #expect(values.filter { $0 > 0.01 && $0 <= 0.1 }.count == 1)
        #expect(abs(values.reduce(0, +) - after.sum) < 1e-12)
    }

    @Test func aWorkerThatDisagreesAboutAFamilyCannotTakeItOver() throws {
        let fleet = FleetMetrics(registry: PrometheusCollectorRegistry(), reserved: ["gatehouse_redis_up"])
        let first = FakeWorker()
        first.ok.increment()
        first.redisUp.set(to: 1)
        fleet.update(pid: 1, text: first.text)
        // A newer binary with other help text: the registry would stop the process on it.
        let other = FakeWorker(help: "Something else.")
        other.ok.increment(by: Int64(10))
        fleet.update(pid: 2, text: other.text)
        fleet.update(pid: 3, text: Array("not metrics".utf8))
        let values = try fleetValues(fleet)
        #expect(values["gatehouse_http_requests_total{status_class=2xx}"] == 1)
        #expect(values["gatehouse_redis_up"] == nil)  // The supervisor's own name.
        #expect(fleet.refusedFamilies == ["gatehouse_http_requests_total"])
        #expect(fleet.refusedSnapshots == 1)
    }
}

extension FleetMetricsTests {
    @Test func aCounterThatNeverCountedIsStillServed() throws {
        let fleet = FleetMetrics(registry: PrometheusCollectorRegistry())
        fleet.update(pid: 1, text: FakeWorker().text)
        let values = try fleetValues(fleet)
        #expect(values["gatehouse_http_requests_total{status_class=4xx}"] == 0)
    }
}
