import Foundation
import Governance
import Logging
import PostgresNIO
import Pricing

/// Runs in PostgreSQL (`runs`): opened by one upsert, so replicas agree on a run's start and budget.
public struct PostgresRunStore: RunStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func open(teamID: UUID, name: String, budget: Money?, now: Date) async throws -> AgentRun {
        // A run whose last call is a lifetime ago ended: the name starts a new one, with the
        // budget this request sets. A running one only has its last call moved on.
        let endedBefore = now.addingTimeInterval(-AgentRun.lifetime)
        let rows = try await client.query("""
            INSERT INTO runs AS r (team_id, run, budget_usd, started_at, last_call_at)
            VALUES (\(teamID), \(name), \(budget?.decimalString)::numeric, \(now), \(now))
            ON CONFLICT (team_id, run) DO UPDATE SET
                started_at = CASE WHEN r.last_call_at < \(endedBefore) THEN EXCLUDED.started_at ELSE r.started_at END,
                budget_usd = CASE WHEN r.last_call_at < \(endedBefore) THEN EXCLUDED.budget_usd ELSE r.budget_usd END,
                last_call_at = GREATEST(r.last_call_at, EXCLUDED.last_call_at)
            RETURNING started_at, budget_usd::text
            """, logger: logger)
        for try await (started, budgetText) in rows.decode((Date, String?).self) {
            return AgentRun(teamID: teamID, name: name, startedAt: started, budget: budgetText.flatMap(Money.init))
        }
        throw StorageError("opening the run '\(name)' returned no row")
    }

    public func purgeEnded(now: Date) async throws -> Int {
        let endedBefore = now.addingTimeInterval(-AgentRun.lifetime)
        let rows = try await client.query("""
            WITH ended AS (
                DELETE FROM runs WHERE last_call_at < \(endedBefore) RETURNING team_id, run, started_at
            ), counters AS (
                DELETE FROM budget_spend b USING ended
                WHERE b.scope_kind = 'run' AND b.scope_id = md5(ended.team_id::text || ':' || ended.run)::uuid
                    AND b.period_start = ended.started_at
                RETURNING 1
            )
            SELECT count(*)::int FROM ended
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
