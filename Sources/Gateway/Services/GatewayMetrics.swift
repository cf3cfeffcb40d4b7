import CoreMetrics
import Foundation
import Hummingbird
import HTTPTypes
import Metering
import NIOCore
import Prometheus
import Routing
import Synchronization

/// The gateway's Prometheus metrics, through swift-metrics with a Prometheus backend of its own
/// (one registry per gateway, not the process-wide one: tests run several gateways in a process).
///
/// Counters move with every metered attempt (`UsageRecorder`'s `onRecorded`); gauges are read at
/// scrape time. Labels stay bounded: model, provider, route, status, bucket, team id, deployment,
/// never key or request ids.
final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// The handles of each kind of metered attempt, made on its first event: recording an event
    /// then takes one lock and no string building (it runs once per attempt).
    private let series = Mutex<[SeriesKey: Series]>([:])
    /// Other swift-metrics handles made so far, by name and labels (making one takes the registry's lock).
    private let counters = Mutex<[HandleKey: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[HandleKey: CoreMetrics.Timer]>([:])
    /// The gateway's own time before a request's first attempt (`overhead(_:)`), made once.
    private let overheadTimer: CoreMetrics.Timer

    /// Upstream latency buckets, seconds: from a fast cache hit to a long generation.
    static let latencyBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                             .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        overheadTimer = CoreMetrics.Timer(label: "tollgate_overhead_seconds", dimensions: [], factory: factory)
    }

    /// What sets one metered attempt's series apart.
    private struct SeriesKey: Hashable {
        var status: Int
        var model: String
        var provider: String
        var route: String
        var streamed: Bool
        var teamID: UUID
    }

    /// The token buckets, in `TokenUsage`'s order.
    static let buckets = ["uncached_input", "cache_read", "cache_write", "cache_write_1h", "output", "reasoning"]

    /// The handles one kind of metered attempt moves.
    private struct Series: Sendable {
        let requests: CoreMetrics.Counter
        let tokens: [CoreMetrics.Counter]
        let cost: CoreMetrics.FloatingPointCounter
        let unpriced: CoreMetrics.Counter
        let latency: CoreMetrics.Timer

        init(_ key: SeriesKey, factory: PrometheusMetricsFactory) {
            let served = [("model", key.model), ("provider", key.provider)]
            requests = Counter(label: "tollgate_requests_total", dimensions: [
                ("status", String(key.status)), ("model", key.model), ("provider", key.provider), ("route", key.route), ("streamed", String(key.streamed)),
            ], factory: factory)
            tokens = GatewayMetrics.buckets.map { Counter(label: "tollgate_tokens_total", dimensions: [("bucket", $0)] + served, factory: factory) }
            cost = FloatingPointCounter(label: "tollgate_cost_usd_total", dimensions: [("team_id", key.teamID.uuidString.lowercased()), ("model", key.model)],
                                        factory: factory)
            unpriced = Counter(label: "tollgate_unpriced_requests_total", dimensions: served, factory: factory)
            latency = Timer(label: "tollgate_upstream_latency_seconds", dimensions: [("provider", key.provider), ("model", key.model)], factory: factory)
        }
    }

    /// Counts one metered attempt: the request by status, its tokens by bucket, its cost, its latency.
    func record(_ event: UsageEvent) {
        let key = SeriesKey(status: event.status, model: event.servedModel, provider: event.provider, route: event.route,
                            streamed: event.streamed, teamID: event.teamID)
        let series = self.series.withLock { series in
            if let known = series[key] { return known }
            let made = Series(key, factory: factory)
            series[key] = made
            return made
        }
        series.requests.increment()
        let usage = event.usage
        for (counter, tokens) in zip(series.tokens, [usage.uncachedInput, usage.cacheRead, usage.cacheWrite, usage.cacheWrite1h, usage.output, usage.reasoning])
        where tokens > 0 {
            counter.increment(by: Int64(tokens))
        }
        // Metrics only: the books keep the exact decimal; a scrape's float is enough for a chart.
        if let cost = event.cost { series.cost.increment(by: NSDecimalNumber(decimal: cost.amount).doubleValue) } else { series.unpriced.increment() }
        series.latency.recordMilliseconds(event.latencyMilliseconds)
    }

    /// Counts an attempt by how it ended (the pipeline's typed outcome: every endpoint alike).
    func attempt(_ outcome: AttemptOutcome, provider: String, model: String) {
        let name = outcome.metricName
        counter(HandleKey(name: "tollgate_attempts_total", first: name, second: provider, third: model),
                labels: [("outcome", name), ("provider", provider), ("model", model)]).increment()
    }

    /// Counts an attempt made after an earlier one of the same request failed: a fallback.
    func fallback(to provider: String, model: String) {
        counter(HandleKey(name: "tollgate_fallbacks_total", first: provider, second: model), labels: [("provider", provider), ("model", model)])
            .increment()
    }

    /// Records a stream's time to its first event, from the attempt's start.
    func firstEvent(after milliseconds: Int, provider: String, model: String) {
        timer(HandleKey(name: "tollgate_time_to_first_token_seconds", first: provider, second: model), labels: [("provider", provider), ("model", model)])
            .recordMilliseconds(milliseconds)
    }

    /// Records the gateway's own time on a request before its first upstream attempt: reading and
    /// checking the body, authentication, planning, the candidate check and admission.
    func overhead(_ duration: Duration) {
        overheadTimer.recordNanoseconds(duration.nanoseconds)
    }

    /// Records one batch write of usage rows to the store, and whether it succeeded.
    func usageWrite(_ duration: Duration, rows: Int, ok: Bool) {
        let result = ok ? "ok" : "error"
        timer(HandleKey(name: "tollgate_usage_write_seconds", first: result), labels: [("result", result)]).recordNanoseconds(duration.nanoseconds)
        if ok { counter(HandleKey(name: "tollgate_usage_rows_written_total"), labels: []).increment(by: Int64(rows)) }
    }

    /// What tells one handle from another: its metric's name and its label values, in the order
    /// the metric names its labels. Hashing it builds no string (this runs for every attempt).
    private struct HandleKey: Hashable {
        let name: String
        var first = ""
        var second = ""
        var third = ""
    }

    /// The counter `key` names, made with `labels` the first time.
    private func counter(_ key: HandleKey, labels: @autoclosure () -> [(String, String)]) -> CoreMetrics.Counter {
        handle(key, in: counters) { CoreMetrics.Counter(label: key.name, dimensions: labels(), factory: factory) }
    }

    /// The timer `key` names, made with `labels` the first time.
    private func timer(_ key: HandleKey, labels: @autoclosure () -> [(String, String)]) -> CoreMetrics.Timer {
        handle(key, in: timers) { CoreMetrics.Timer(label: key.name, dimensions: labels(), factory: factory) }
    }

    private func handle<Handle>(_ key: HandleKey, in made: borrowing Mutex<[HandleKey: Handle]>, make: () -> Handle) -> Handle {
        made.withLock { handles in
            if let known = handles[key] { return known }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    /// The text exposition, with the gauges read now: the usage queue and spool, each deployment's
    /// state, and each budgeted team's spend and remaining budget this period.
    func scrape(recorder: UsageRecorder, health: HealthBoard, budgets: BudgetService, now: Date) -> ByteBuffer {
        gauge("tollgate_usage_queue_depth", labels: []).set(Int64(recorder.pendingCount))
        gauge("tollgate_usage_spool_bytes", labels: []).set(Int64(recorder.spooledBytes))
        for deployment in health.snapshot() {
            let state: String = switch deployment.state {
            case .healthy: "healthy"
            case .coolingDown(let until): until > now ? "cooling_down" : "probing"
            case .probing: "probing"
            }
            for candidate in ["healthy", "cooling_down", "probing"] {
                gauge("tollgate_deployment_state", labels: [("deployment", deployment.id), ("state", candidate)]).set(Int64(candidate == state ? 1 : 0))
            }
        }
        for team in budgets.teamSpend(at: now) {
            let labels = [("team_id", team.id.uuidString.lowercased())]
            gauge("tollgate_budget_spent_usd", labels: labels).set(NSDecimalNumber(decimal: team.spent.amount).doubleValue)
            if let remaining = team.remaining {
                gauge("tollgate_budget_remaining_usd", labels: labels).set(NSDecimalNumber(decimal: remaining.amount).doubleValue)
            }
        }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return ByteBuffer(bytes: bytes)
    }

    /// The labelled gauge `name` (swift-prometheus wants a name's parts for it: the last one is
    /// its unit; the full name is the same).
    private func gauge(_ name: String, labels: [(String, String)]) -> Prometheus.Gauge {
        let unit = name.lastIndex(of: "_")!
        let descriptor = MetricNameDescriptor(
            metricName: String(name[..<unit]), unitName: String(name[name.index(after: unit)...]), helpText: "")
        return registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    /// `GET /metrics`: the exposition, as Prometheus scrapes it.
    func response(recorder: UsageRecorder, health: HealthBoard, budgets: BudgetService, now: Date) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: scrape(recorder: recorder, health: health, budgets: budgets, now: now)))
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}

/// A usage store whose batch writes are timed into the metrics.
struct TimedUsageStore: UsageStore {
    let store: any UsageStore
    let metrics: GatewayMetrics

    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        let start = ContinuousClock.now
        do {
            let result = try await store.insert(events)
            metrics.usageWrite(ContinuousClock.now - start, rows: events.count, ok: true)
            return result
        } catch {
            metrics.usageWrite(ContinuousClock.now - start, rows: events.count, ok: false)
            throw error
        }
    }

    func reject(_ event: UsageEvent, reason: String) async throws {
        try await store.reject(event, reason: reason)
    }
}
