import Foundation
import Governance
import Logging
import Metering
import PostgresNIO
import Pricing

/// Repricing in PostgreSQL: the events are read and locked, their new costs computed from their
/// token buckets, and the events, the daily rollups and the budget spend are changed by exactly
/// the difference in one transaction, with an adjustment record.
public struct PostgresRepricer: UsageRepricer {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func reprice(
        model: String, from: Date, to: Date, dryRun: Bool, cost: @escaping @Sendable (StoredUsage) -> Money?
    ) async throws -> RepriceResult {
        try await client.withTransaction(logger: logger) { connection in
            // Locked, so a concurrent reprice of the same events waits for this one.
            let rows = try await connection.query("""
                SELECT request_id, attempt, created_at, provider, uncached_input_tokens, cache_read_tokens, cache_write_tokens,
                       cache_write_1h_tokens, output_tokens, reasoning_tokens, service_tier, thinking, cost_usd::text
                FROM usage_events
                WHERE served_model = \(model) AND created_at >= \(from) AND created_at < \(to)
                ORDER BY created_at, request_id, attempt
                FOR UPDATE
                """, logger: logger)
            var ids: [String] = [], attempts: [Int] = [], newCosts: [String] = []
            var oldTotal = Money.zero, newTotal = Money.zero
            for try await row in rows {
                let columns = row.makeRandomAccess()
                let old = try columns[12].decode(String?.self).flatMap(Money.init)
                let stored = StoredUsage(
                    time: try columns[2].decode(Date.self), model: model, provider: try columns[3].decode(String.self),
                    usage: TokenUsage(
                        uncachedInput: try columns[4].decode(Int.self), cacheRead: try columns[5].decode(Int.self),
                        cacheWrite: try columns[6].decode(Int.self), cacheWrite1h: try columns[7].decode(Int.self),
                        output: try columns[8].decode(Int.self), reasoning: try columns[9].decode(Int.self)),
                    billing: BillingMode(serviceTier: try columns[10].decode(String?.self), thinking: try columns[11].decode(Bool.self)),
                    cost: old)
                let new = cost(stored)
                oldTotal += old ?? .zero
                newTotal += new ?? .zero
                ids.append(try columns[0].decode(String.self))
                attempts.append(try columns[1].decode(Int.self))
                newCosts.append(new?.decimalString ?? "")
            }
            var result = RepriceResult(events: ids.count, oldCost: oldTotal, newCost: newTotal)
            guard !dryRun else { return result }

            try await connection.query(
                "CREATE TEMP TABLE reprice_new (request_id text, attempt int, new_cost numeric(24, 12), PRIMARY KEY (request_id, attempt)) ON COMMIT DROP",
                logger: logger)
            try await connection.query("""
                INSERT INTO reprice_new
                SELECT request_id, attempt, NULLIF(new_cost, '')::numeric
                FROM unnest(\(ids)::text[], \(attempts)::int[], \(newCosts)::text[]) AS n (request_id, attempt, new_cost)
                """, logger: logger)
            // The rollups and the spend move by the difference, before the events change.
            try await connection.query("""
                UPDATE usage_daily u SET cost_usd = u.cost_usd + d.delta, unpriced_requests = u.unpriced_requests + d.unpriced
                FROM (
                    SELECT (e.created_at AT TIME ZONE 'UTC')::date AS day, e.team_id, e.key_id, e.task, e.served_model, e.provider, e.route, coalesce(e.end_user, '') AS end_user,
                           sum(coalesce(n.new_cost, 0) - coalesce(e.cost_usd, 0)) AS delta,
                           sum((n.new_cost IS NULL)::int - (e.cost_usd IS NULL)::int) AS unpriced
                    FROM reprice_new n JOIN usage_events e USING (request_id, attempt)
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
                ) AS d
                WHERE u.day = d.day AND u.team_id = d.team_id AND u.key_id = d.key_id AND u.task = d.task
                  AND u.model = d.served_model AND u.provider = d.provider AND u.route = d.route AND u.end_user = d.end_user
                """, logger: logger)
            try await connection.query("""
                INSERT INTO budget_spend AS b (scope_kind, scope_id, period_start, spent_usd)
                SELECT scope_kind, scope_id, period_start, sum(delta) FROM (
                    SELECT 'team' AS scope_kind, e.team_id AS scope_id, e.budget_period_start AS period_start,
                           coalesce(n.new_cost, 0) - coalesce(e.cost_usd, 0) AS delta
                    FROM reprice_new n JOIN usage_events e USING (request_id, attempt) WHERE e.budget_period_start IS NOT NULL
                    UNION ALL
                    SELECT 'key', e.key_id, e.budget_period_start, coalesce(n.new_cost, 0) - coalesce(e.cost_usd, 0)
                    FROM reprice_new n JOIN usage_events e USING (request_id, attempt) WHERE e.budget_period_start IS NOT NULL
                    UNION ALL
                    SELECT 'end_user', md5(e.key_id::text || ':' || e.end_user)::uuid, e.budget_period_start,
                           coalesce(n.new_cost, 0) - coalesce(e.cost_usd, 0)
                    FROM reprice_new n JOIN usage_events e USING (request_id, attempt)
                    WHERE e.budget_period_start IS NOT NULL AND e.end_user IS NOT NULL
                    UNION ALL
                    SELECT 'run', md5(e.team_id::text || ':' || e.run)::uuid, e.run_started_at,
                           coalesce(n.new_cost, 0) - coalesce(e.cost_usd, 0)
                    FROM reprice_new n JOIN usage_events e USING (request_id, attempt)
                    WHERE e.run_started_at IS NOT NULL
                ) AS scoped
                GROUP BY 1, 2, 3
                HAVING sum(delta) <> 0
                ORDER BY 1, 2, 3
                ON CONFLICT (scope_kind, scope_id, period_start) DO UPDATE SET spent_usd = b.spent_usd + EXCLUDED.spent_usd
                """, logger: logger)
            try await connection.query("""
                UPDATE usage_events e SET cost_usd = n.new_cost
                FROM reprice_new n WHERE e.request_id = n.request_id AND e.attempt = n.attempt
                """, logger: logger)
            let delta = newTotal - oldTotal
            let recorded = try await connection.query("""
                INSERT INTO cost_adjustments (model, range_from, range_to, events, old_cost_usd, new_cost_usd, delta_usd)
                VALUES (\(model), \(from), \(to), \(ids.count), \(oldTotal.decimalString)::numeric, \(newTotal.decimalString)::numeric,
                        \(delta.decimalString)::numeric)
                RETURNING id, created_at
                """, logger: logger)
            for try await (id, time) in recorded.decode((Int64, Date).self) {
                result.adjustment = CostAdjustment(
                    id: id, time: time, model: model, from: from, to: to, events: ids.count, oldCost: oldTotal, newCost: newTotal, delta: delta)
            }
            // Every replica re-reads the spend it holds.
            try await connection.query(
                "SELECT pg_notify(\(PostgresGovernanceStore.changeChannel), \(GovernanceChange.spend.message))", logger: logger)
            return result
        }
    }

    public func adjustments() async throws -> [CostAdjustment] {
        let rows = try await client.query("""
            SELECT id, created_at, model, range_from, range_to, events, old_cost_usd::text, new_cost_usd::text, delta_usd::text
            FROM cost_adjustments ORDER BY id DESC
            """, logger: logger)
        var result: [CostAdjustment] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            result.append(CostAdjustment(
                id: try c[0].decode(Int64.self), time: try c[1].decode(Date.self), model: try c[2].decode(String.self),
                from: try c[3].decode(Date.self), to: try c[4].decode(Date.self), events: try c[5].decode(Int.self),
                oldCost: Money(try c[6].decode(String.self)) ?? .zero, newCost: Money(try c[7].decode(String.self)) ?? .zero,
                delta: Money(try c[8].decode(String.self)) ?? .zero))
        }
        return result
    }
}
