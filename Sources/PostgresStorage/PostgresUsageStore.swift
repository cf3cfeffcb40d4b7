import Foundation
import Logging
import Metering
import PostgresNIO
import Pricing

/// Usage events in PostgreSQL: each batch is one prepared statement that inserts the new events,
/// adds them to the daily rollup and to the budget spend of their team and key, and returns that
/// spend — so the three never disagree, a repeated batch counts nothing twice, and budget counters
/// need no second query.
public struct PostgresUsageStore: UsageStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A batch is first written as wholly new: the unique index checks each row as it inserts it,
    /// which costs far less than probing the index for every row beforehand. Only a batch that was
    /// partly written already (a retry after a lost acknowledgement) fails that way, and is then
    /// written again skipping the rows that exist; the failed statement changed nothing.
    ///
    /// A batch PostgreSQL refuses for a row's content throws `UsageRejected` (the recorder then
    /// isolates the row); the failed statement changed nothing.
    @discardableResult
    public func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        guard !events.isEmpty else { return UsageWriteResult(inserted: 0) }
        do {
            do {
                return try await write(InsertNewUsageBatch(events: events))
            } catch let error where isUniqueViolation(error) {
                return try await write(InsertUsageBatchSkippingWritten(events: events))
            }
        } catch let error where rejectionReason(error) != nil {
            throw UsageRejected(reason: rejectionReason(error) ?? "")
        }
    }

    /// Keeps a refused event in `usage_rejects` (once per request id and attempt).
    public func reject(_ event: UsageEvent, reason: String) async throws {
        let json = String(decoding: event.jsonLine.dropLast(), as: UTF8.self)
        try await client.query("""
            INSERT INTO usage_rejects (request_id, attempt, error, event)
            VALUES (\(event.requestID), \(event.attempt), \(reason), \(json)::json)
            ON CONFLICT (request_id, attempt) DO NOTHING
            """, logger: logger)
    }

    private func write(_ statement: some UsageBatchStatement) async throws -> UsageWriteResult {
        var result = UsageWriteResult(inserted: 0)
        for try await (kind, id, periodStart, value) in try await client.execute(statement, logger: logger) {
            if kind == "inserted" {
                result.inserted = Int(value) ?? 0
            } else if let id, let periodStart, let spent = Money(value) {
                result.spend.append(ScopeSpend(scope: kind, id: id, periodStart: periodStart, spent: spent))
            }
        }
        return result
    }
}

struct InsertNewUsageBatch: UsageBatchStatement {
    static let sql = usageBatchSQL(skippingWritten: false)
    var events: [UsageEvent]
}

struct InsertUsageBatchSkippingWritten: UsageBatchStatement {
    static let sql = usageBatchSQL(skippingWritten: true)
    var events: [UsageEvent]
}

/// The batch insert, prepared once per connection so PostgreSQL parses and plans it once.
/// Costs travel as text so no digit is lost; "" stands for NULL (unpriced).
protocol UsageBatchStatement: PostgresPreparedStatement where Row == (String, UUID?, Date?, String) {
    var events: [UsageEvent] { get }
}

/// The statement's text; `skippingWritten` leaves out events whose (request id, attempt) exists.
/// It answers one `("inserted", nil, nil, count)` row, then `(scope, id, period start, spent)` per
/// budget scope the batch touched.
func usageBatchSQL(skippingWritten: Bool) -> String {
    """
        WITH inserted AS (
            INSERT INTO usage_events (
                request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                cost_usd, status, latency_ms, streamed, usage_estimated, downgraded_from, budget_period_start,
                cache_write_1h_tokens, service_tier, thinking, route, end_user, run, run_started_at)
            SELECT request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                NULLIF(cost_usd, '')::numeric, status, latency_ms, streamed, usage_estimated, NULLIF(downgraded_from, ''),
                CASE WHEN has_period THEN budget_period_start END, cache_write_1h_tokens, NULLIF(service_tier, ''), thinking, route, NULLIF(end_user, ''), NULLIF(run, ''),
                CASE WHEN has_run_start THEN run_started_at END
            FROM unnest(
                $1::text[], $2::int[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::text[], $16::int[], $17::int[], $18::bool[],
                $19::bool[], $20::text[], $21::timestamptz[], $22::bool[], $23::int8[], $24::text[], $25::bool[], $26::text[], $27::text[], $28::text[],
                $29::timestamptz[], $30::bool[]
            ) AS batch (
                request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                cost_usd, status, latency_ms, streamed, usage_estimated, downgraded_from, budget_period_start, has_period,
                cache_write_1h_tokens, service_tier, thinking, route, end_user, run, run_started_at, has_run_start)
            \(skippingWritten ? "ON CONFLICT (request_id, attempt) DO NOTHING" : "")
            RETURNING created_at, team_id, key_id, task, served_model, provider, uncached_input_tokens, cache_read_tokens,
                cache_write_tokens + cache_write_1h_tokens AS cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
                budget_period_start, route, end_user, run, run_started_at, usage_estimated
        ), rolled AS (
            INSERT INTO usage_daily AS d (
                day, team_id, key_id, task, model, provider, route, end_user, requests, input_tokens, cached_input_tokens,
                cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced_requests, estimated_requests)
            SELECT (created_at AT TIME ZONE 'UTC')::date, team_id, key_id, task, served_model, provider, route, coalesce(end_user, ''), count(*),
                sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens), sum(cache_read_tokens),
                sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens), coalesce(sum(cost_usd), 0),
                count(*) FILTER (WHERE cost_usd IS NULL), count(*) FILTER (WHERE usage_estimated)
            FROM inserted
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
            ON CONFLICT (day, team_id, key_id, task, model, provider, route, end_user) DO UPDATE SET
                requests = d.requests + EXCLUDED.requests,
                input_tokens = d.input_tokens + EXCLUDED.input_tokens,
                cached_input_tokens = d.cached_input_tokens + EXCLUDED.cached_input_tokens,
                cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
                output_tokens = d.output_tokens + EXCLUDED.output_tokens,
                reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
                cost_usd = d.cost_usd + EXCLUDED.cost_usd,
                unpriced_requests = d.unpriced_requests + EXCLUDED.unpriced_requests,
                estimated_requests = d.estimated_requests + EXCLUDED.estimated_requests
            RETURNING 1
        ), spent AS (
            INSERT INTO budget_spend AS b (scope_kind, scope_id, period_start, spent_usd)
            SELECT scope_kind, scope_id, period_start, sum(cost_usd)
            FROM (
                SELECT 'team' AS scope_kind, team_id AS scope_id, budget_period_start AS period_start, cost_usd FROM inserted
                UNION ALL
                SELECT 'key', key_id, budget_period_start, cost_usd FROM inserted
                UNION ALL
                SELECT 'end_user', md5(key_id::text || ':' || end_user)::uuid, budget_period_start, cost_usd
                FROM inserted WHERE end_user IS NOT NULL
                UNION ALL
                -- A run's counter runs from its start (the team's month does not bound it).
                SELECT 'run', md5(team_id::text || ':' || run)::uuid, run_started_at, cost_usd
                FROM inserted WHERE run_started_at IS NOT NULL
            ) AS scoped
            WHERE period_start IS NOT NULL AND cost_usd IS NOT NULL
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            ON CONFLICT (scope_kind, scope_id, period_start) DO UPDATE SET spent_usd = b.spent_usd + EXCLUDED.spent_usd
            RETURNING scope_kind, scope_id, period_start, spent_usd
        )
        SELECT 'inserted', NULL::uuid, NULL::timestamptz, count(*)::text FROM inserted
        UNION ALL
        SELECT scope_kind, scope_id, period_start, spent_usd::text FROM spent
        """
}

extension UsageBatchStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 28)
        bindings.append(events.map(\.requestID))
        bindings.append(events.map(\.attempt))
        bindings.append(events.map(\.time))
        bindings.append(events.map(\.teamID))
        bindings.append(events.map(\.keyID))
        bindings.append(events.map(\.task))
        bindings.append(events.map(\.requestedModel))
        bindings.append(events.map(\.servedModel))
        bindings.append(events.map(\.provider))
        bindings.append(events.map(\.usage.uncachedInput))
        bindings.append(events.map(\.usage.cacheRead))
        bindings.append(events.map(\.usage.cacheWrite))
        bindings.append(events.map(\.usage.output))
        bindings.append(events.map(\.usage.reasoning))
        bindings.append(events.map { $0.cost?.decimalString ?? "" })
        bindings.append(events.map(\.status))
        bindings.append(events.map(\.latencyMilliseconds))
        bindings.append(events.map(\.streamed))
        bindings.append(events.map(\.usageEstimated))
        bindings.append(events.map { $0.downgradedFrom ?? "" })
        bindings.append(events.map { $0.budgetPeriodStart ?? $0.time })
        bindings.append(events.map { $0.budgetPeriodStart != nil })
        bindings.append(events.map(\.usage.cacheWrite1h))
        bindings.append(events.map { $0.billing.serviceTier ?? "" })
        bindings.append(events.map(\.billing.thinking))
        bindings.append(events.map(\.route))
        bindings.append(events.map { $0.endUser ?? "" })
        bindings.append(events.map { $0.run ?? "" })
        bindings.append(events.map { $0.runStartedAt ?? $0.time })
        bindings.append(events.map { $0.runStartedAt != nil })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (String, UUID?, Date?, String) {
        try row.decode((String, UUID?, Date?, String).self)
    }
}
