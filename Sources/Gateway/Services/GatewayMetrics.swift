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
    /// The swift-metrics handles made so far, by name and labels (making one takes the registry's lock).
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let costs = Mutex<[String: CoreMetrics.FloatingPointCounter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])

    /// Upstream latency buckets, seconds: from a fast cache hit to a long generation.
    static let latencyBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                             .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
    }

    /// Counts one metered attempt: the request by status, its tokens by bucket, its cost, its latency.
    func record(_ event: UsageEvent) {
        let model = event.servedModel, provider = event.provider
        counter("tollgate_requests_total", [("status", String(event.status)), ("model", model), ("provider", provider), ("route", event.route),
                                            ("streamed", String(event.streamed))]).increment()
        let buckets = [("uncached_input", event.usage.uncachedInput), ("cache_read", event.usage.cacheRead),
                       ("cache_write", event.usage.cacheWrite), ("cache_write_1h", event.usage.cacheWrite1h),
                       ("output", event.usage.output), ("reasoning", event.usage.reasoning)]
        for (bucket, tokens) in buckets where tokens > 0 {
            counter("tollgate_tokens_total", [("bucket", bucket), ("model", model), ("provider", provider)]).increment(by: Int64(tokens))
        }
        if let cost = event.cost {
            let labels = [("team_id", event.teamID.uuidString.lowercased()), ("model", model)]
            let key = Self.key("tollgate_cost_usd_total", labels)
            costs.withLock { costs in
                if costs[key] == nil { costs[key] = FloatingPointCounter(label: "tollgate_cost_usd_total", dimensions: labels, factory: factory) }
                return costs[key]!
            }.increment(by: NSDecimalNumber(decimal: cost.amount).doubleValue)
        } else {
            counter("tollgate_unpriced_requests_total", [("model", model), ("provider", provider)]).increment()
        }
        timer("tollgate_upstream_latency_seconds", [("provider", provider), ("model", model)]).recordMilliseconds(event.latencyMilliseconds)
    }

    /// Counts an attempt by how it ended (the pipeline's typed outcome: every endpoint alike).
    func attempt(_ outcome: AttemptOutcome, provider: String, model: String) {
        counter("tollgate_attempts_total", [("outcome", outcome.metricName), ("provider", provider), ("model", model)]).increment()
    }

    /// Counts an attempt made after an earlier one of the same request failed: a fallback.
    func fallback(to provider: String, model: String) {
        counter("tollgate_fallbacks_total", [("provider", provider), ("model", model)]).increment()
    }

    /// Records a stream's time to its first event, from the attempt's start.
    func firstEvent(after milliseconds: Int, provider: String, model: String) {
        timer("tollgate_time_to_first_token_seconds", [("provider", provider), ("model", model)]).recordMilliseconds(milliseconds)
    }

    /// Records the gateway's own time on a request before its first upstream attempt: reading and
    /// checking the body, authentication, planning, the candidate check and admission.
    func overhead(_ duration: Duration) {
        timer("tollgate_overhead_seconds", []).recordNanoseconds(duration.nanoseconds)
    }

    /// Records one batch write of usage rows to the store, and whether it succeeded.
    func usageWrite(_ duration: Duration, rows: Int, ok: Bool) {
        timer("tollgate_usage_write_seconds", [("result", ok ? "ok" : "error")]).recordNanoseconds(duration.nanoseconds)
        if ok { counter("tollgate_usage_rows_written_total", []).increment(by: Int64(rows)) }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Timer {
        let key = Self.key(name, labels)
        return timers.withLock { timers in
            if let known = timers[key] { return known }
            let made = Timer(label: name, dimensions: labels, factory: factory)
            timers[key] = made
            return made
        }
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Counter {
        let key = Self.key(name, labels)
        return counters.withLock { counters in
            if let known = counters[key] { return known }
            let made = Counter(label: name, dimensions: labels, factory: factory)
            counters[key] = made
            return made
        }
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.flatMap { [$0.0, $0.1] }).joined(separator: "\u{0}")
    }

    /// The text exposition, with the gauges read now: the usage queue and spool, each deployment's
    /// state, and each budgeted team's spend and remaining budget this period.
    func scrape(recorder: UsageRecorder, health: HealthBoard, budgets: BudgetService, now: Date) -> ByteBuffer {
        registry.makeGauge(name: "tollgate_usage_queue_depth").set(Int64(recorder.pendingCount))
        registry.makeGauge(name: "tollgate_usage_spool_bytes").set(Int64(recorder.spooledBytes))
        for deployment in health.snapshot() {
            let state: String = switch deployment.state {
            case .healthy: "healthy"
            case .coolingDown(let until): until > now ? "cooling_down" : "probing"
            case .probing: "probing"
            }
            for candidate in ["healthy", "cooling_down", "probing"] {
                registry.makeGauge(name: "tollgate_deployment_state", labels: [("deployment", deployment.id), ("state", candidate)])
                    .set(Int64(candidate == state ? 1 : 0))
            }
        }
        for team in budgets.teamSpend(at: now) {
            let labels = [("team_id", team.id.uuidString.lowercased())]
            registry.makeGauge(name: "tollgate_budget_spent_usd", labels: labels).set(NSDecimalNumber(decimal: team.spent.amount).doubleValue)
            if let remaining = team.remaining {
                registry.makeGauge(name: "tollgate_budget_remaining_usd", labels: labels).set(NSDecimalNumber(decimal: remaining.amount).doubleValue)
            }
        }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return ByteBuffer(bytes: bytes)
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
