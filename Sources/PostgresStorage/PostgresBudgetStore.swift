import Foundation
import Governance
import Logging
import PostgresNIO
import Pricing

/// Budget spend (kept by `PostgresUsageStore` with each batch) and budget alerts in PostgreSQL.
public struct PostgresBudgetStore: BudgetStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func spend(_ keys: [BudgetKey]) async throws -> [BudgetKey: Money] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await client.query("""
            SELECT wanted.kind, wanted.id, wanted.period_start, coalesce(b.spent_usd, 0)::text
            FROM unnest(\(keys.map(\.kind.rawValue))::text[], \(keys.map(\.id))::uuid[], \(keys.map(\.periodStart))::timestamptz[])
                AS wanted (kind, id, period_start)
            LEFT JOIN budget_spend b
                ON b.scope_kind = wanted.kind AND b.scope_id = wanted.id AND b.period_start = wanted.period_start
            """, logger: logger)
        var spend: [BudgetKey: Money] = [:]
        for try await (kind, id, start, spent) in rows.decode((String, UUID, Date, String).self) {
            guard let kind = BudgetScopeKind(rawValue: kind) else { continue }
            spend[BudgetKey(kind: kind, id: id, periodStart: start)] = Money(spent) ?? .zero
        }
        return spend
    }

    public func recentSpend(kind: BudgetScopeKind, id: UUID, teamID: UUID, now: Date) async throws -> (lastDay: Money, lastWeek: Money) {
        let keyID: UUID? = kind == .key ? id : nil
        let rows = try await client.query("""
            SELECT coalesce(sum(cost_usd) FILTER (WHERE created_at >= \(now.addingTimeInterval(-BudgetForecast.day))), 0)::text,
                   coalesce(sum(cost_usd), 0)::text
            FROM usage_events
            WHERE team_id = \(teamID) AND (\(keyID)::uuid IS NULL OR key_id = \(keyID)::uuid)
              AND created_at >= \(now.addingTimeInterval(-BudgetForecast.week)) AND created_at <= \(now)
            """, logger: logger)
        for try await (day, week) in rows.decode((String, String).self) {
            return (Money(day) ?? .zero, Money(week) ?? .zero)
        }
        return (.zero, .zero)
    }

    public func hourlySpend(teamID: UUID, now: Date) async throws -> [Int: Money] {
        let rows = try await client.query("""
            SELECT floor(extract(epoch FROM (\(now)::timestamptz - created_at)) / 3600)::int8, coalesce(sum(cost_usd), 0)::text
            FROM usage_events
            WHERE team_id = \(teamID) AND created_at >= \(now.addingTimeInterval(-169 * 3600)) AND created_at <= \(now)
            GROUP BY 1
            """, logger: logger)
        var hours: [Int: Money] = [:]
        for try await (ago, spent) in rows.decode((Int, String).self) {
            if let money = Money(spent), money > .zero { hours[ago] = money }
        }
        return hours
    }

    public func carrySpend(teamID: UUID, from: Date, to: Date) async throws {
        guard from != to else { return }
        try await client.query("""
            INSERT INTO budget_spend AS b (scope_kind, scope_id, period_start, spent_usd)
            SELECT scope_kind, scope_id, \(to), spent_usd FROM budget_spend
            WHERE period_start = \(from) AND (
                (scope_kind = 'team' AND scope_id = \(teamID))
                OR (scope_kind = 'key' AND scope_id IN (SELECT id FROM api_keys WHERE team_id = \(teamID)))
                -- End users' counters are keyed by a hash: the team's are found through its usage.
                OR (scope_kind = 'end_user' AND scope_id IN (
                    SELECT md5(e.key_id::text || ':' || e.end_user)::uuid FROM usage_events e
                    WHERE e.team_id = \(teamID) AND e.budget_period_start = \(from) AND e.end_user IS NOT NULL)))
            ON CONFLICT (scope_kind, scope_id, period_start) DO UPDATE SET spent_usd = GREATEST(b.spent_usd, EXCLUDED.spent_usd)
            """, logger: logger)
    }

    public func claim(_ alert: BudgetAlert) async throws -> Bool {
        let payload = String(decoding: try alert.jsonData(), as: UTF8.self)
        let rows = try await client.query("""
            INSERT INTO budget_alerts (scope_kind, scope_id, period_start, threshold, team_id, payload)
            VALUES (\(alert.scope.rawValue), \(alert.scopeID), \(alert.periodStart), \(alert.threshold), \(alert.teamID), \(payload)::jsonb)
            ON CONFLICT DO NOTHING
            RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// `FOR UPDATE` re-reads each due row as it is locked, so one whose delivery was marked after
    /// this statement's snapshot is left out; `SKIP LOCKED` leaves rows another replica is
    /// claiming to it.
    public func claimUndelivered(claimedBefore date: Date) async throws -> [BudgetAlert] {
        let rows = try await client.query("""
            UPDATE budget_alerts AS a SET claimed_at = now()
            FROM (
                SELECT scope_kind, scope_id, period_start, threshold FROM budget_alerts
                WHERE delivered_at IS NULL AND claimed_at < \(date) AND attempts < 20
                ORDER BY claimed_at LIMIT 100
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE a.scope_kind = due.scope_kind AND a.scope_id = due.scope_id AND a.period_start = due.period_start
              AND a.threshold = due.threshold AND a.delivered_at IS NULL
            RETURNING a.payload::text
            """, logger: logger)
        var alerts: [BudgetAlert] = []
        for try await payload in rows.decode(String.self) {
            if let alert = try? BudgetAlert.decode(Data(payload.utf8)) { alerts.append(alert) }
        }
        return alerts
    }

    public func markDelivered(_ alert: BudgetAlert, delivered: Bool) async throws {
        try await client.query("""
            UPDATE budget_alerts
            SET attempts = attempts + 1, delivered_at = CASE WHEN \(delivered) THEN now() ELSE NULL END,
                claimed_at = CASE WHEN \(delivered) THEN claimed_at ELSE now() END
            WHERE scope_kind = \(alert.scope.rawValue) AND scope_id = \(alert.scopeID)
              AND period_start = \(alert.periodStart) AND threshold = \(alert.threshold)
            """, logger: logger)
    }
}
