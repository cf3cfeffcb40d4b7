import Foundation
import Logging
import Metering
import PostgresNIO
import Pricing

/// Usage events in PostgreSQL: each batch is one statement that inserts the new events and adds
/// them to the daily rollup and to the budget spend of their team and key, so the three never
/// disagree and a repeated batch counts nothing twice.
public struct PostgresUsageStore: UsageStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    @discardableResult
    public func insert(_ events: [UsageEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        // Costs travel as text so no digit is lost; "" stands for NULL (unpriced).
        let query: PostgresQuery = """
            WITH inserted AS (
                INSERT INTO usage_events (
                    request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                    uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                    cost_usd, status, latency_ms, streamed, usage_estimated, downgraded_from, budget_period_start)
                SELECT request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                    uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                    NULLIF(cost_usd, '')::numeric, status, latency_ms, streamed, usage_estimated, NULLIF(downgraded_from, ''),
                    CASE WHEN has_period THEN budget_period_start END
                FROM unnest(
                    \(events.map(\.requestID))::text[], \(events.map(\.attempt))::int[], \(events.map(\.time))::timestamptz[],
                    \(events.map(\.teamID))::uuid[], \(events.map(\.keyID))::uuid[], \(events.map(\.task))::text[],
                    \(events.map(\.requestedModel))::text[], \(events.map(\.servedModel))::text[], \(events.map(\.provider))::text[],
                    \(events.map(\.usage.uncachedInput))::int8[], \(events.map(\.usage.cacheRead))::int8[],
                    \(events.map(\.usage.cacheWrite))::int8[], \(events.map(\.usage.output))::int8[],
                    \(events.map(\.usage.reasoning))::int8[], \(events.map { $0.cost?.decimalString ?? "" })::text[],
                    \(events.map(\.status))::int[], \(events.map(\.latencyMilliseconds))::int[], \(events.map(\.streamed))::bool[],
                    \(events.map(\.usageEstimated))::bool[], \(events.map { $0.downgradedFrom ?? "" })::text[],
                    \(events.map { $0.budgetPeriodStart ?? $0.time })::timestamptz[], \(events.map { $0.budgetPeriodStart != nil })::bool[]
                ) AS batch (
                    request_id, attempt, created_at, team_id, key_id, task, requested_model, served_model, provider,
                    uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                    cost_usd, status, latency_ms, streamed, usage_estimated, downgraded_from, budget_period_start, has_period)
                ON CONFLICT (request_id, attempt) DO NOTHING
                RETURNING *
            ), rolled AS (
                INSERT INTO usage_daily AS d (
                    day, team_id, key_id, task, model, provider, requests, input_tokens, cached_input_tokens,
                    cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced_requests)
                SELECT (created_at AT TIME ZONE 'UTC')::date, team_id, key_id, task, served_model, provider, count(*),
                    sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens), sum(cache_read_tokens),
                    sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens), coalesce(sum(cost_usd), 0),
                    count(*) FILTER (WHERE cost_usd IS NULL)
                FROM inserted
                GROUP BY 1, 2, 3, 4, 5, 6
                ORDER BY 1, 2, 3, 4, 5, 6
                ON CONFLICT (day, team_id, key_id, task, model, provider) DO UPDATE SET
                    requests = d.requests + EXCLUDED.requests,
                    input_tokens = d.input_tokens + EXCLUDED.input_tokens,
                    cached_input_tokens = d.cached_input_tokens + EXCLUDED.cached_input_tokens,
                    cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
                    output_tokens = d.output_tokens + EXCLUDED.output_tokens,
                    reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
                    cost_usd = d.cost_usd + EXCLUDED.cost_usd,
                    unpriced_requests = d.unpriced_requests + EXCLUDED.unpriced_requests
                RETURNING 1
            ), spent AS (
                INSERT INTO budget_spend AS b (scope_kind, scope_id, period_start, spent_usd)
                SELECT scope_kind, scope_id, budget_period_start, sum(cost_usd)
                FROM (
                    SELECT 'team' AS scope_kind, team_id AS scope_id, budget_period_start, cost_usd FROM inserted
                    UNION ALL
                    SELECT 'key', key_id, budget_period_start, cost_usd FROM inserted
                ) AS scoped
                WHERE budget_period_start IS NOT NULL AND cost_usd IS NOT NULL
                GROUP BY 1, 2, 3
                ORDER BY 1, 2, 3
                ON CONFLICT (scope_kind, scope_id, period_start) DO UPDATE SET spent_usd = b.spent_usd + EXCLUDED.spent_usd
                RETURNING 1
            )
            SELECT count(*)::int8 FROM inserted
            """
        let rows = try await client.query(query, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
