import Foundation
import Logging
import Metering
import PostgresNIO
import Pricing

/// The usage a what-if prices, from the raw events (they keep the service tier, thinking mode and
/// each call's prompt size, which the rollup does not).
public struct PostgresWhatIfStore: WhatIfStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func whatIfGroups(from: Date, to: Date, task: String?, teamID: UUID?, keyID: UUID?, thresholds: [Int]) async throws -> [WhatIf.Group] {
        // A call's band: how many thresholds its prompt is above (prompt > threshold).
        let rows = try await client.query("""
            SELECT served_model, provider, coalesce(service_tier, ''), thinking,
                   (SELECT count(*)::int FROM unnest(\(thresholds)::int8[]) AS t WHERE prompt > t),
                   count(*)::int8, sum(uncached_input_tokens)::int8, sum(cache_read_tokens)::int8, sum(cache_write_tokens)::int8,
                   sum(cache_write_1h_tokens)::int8, sum(output_tokens)::int8, sum(reasoning_tokens)::int8,
                   coalesce(sum(cost_usd), 0)::text, count(*) FILTER (WHERE cost_usd IS NULL)::int8
            FROM (
                SELECT *, uncached_input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens AS prompt
                FROM usage_events
                WHERE created_at >= \(from) AND created_at < \(to)
                  AND (\(task)::text IS NULL OR task = \(task)::text)
                  AND (\(teamID)::uuid IS NULL OR team_id = \(teamID)::uuid)
                  AND (\(keyID)::uuid IS NULL OR key_id = \(keyID)::uuid)
            ) AS e
            GROUP BY 1, 2, 3, 4, 5
            ORDER BY 1, 2, 3, 4, 5
            """, logger: logger)
        var groups: [WhatIf.Group] = []
        for try await row in rows {
            let (model, provider, tier, thinking, band, requests, uncached, cacheRead, cacheWrite, cacheWrite1h, output, reasoning, cost, unpriced) =
                try row.decode((String, String, String, Bool, Int, Int, Int, Int, Int, Int, Int, Int, String, Int).self)
            groups.append(WhatIf.Group(
                servedModel: model, provider: provider, serviceTier: tier.isEmpty ? nil : tier, thinking: thinking, band: band,
                requests: requests,
                usage: TokenUsage(uncachedInput: uncached, cacheRead: cacheRead, cacheWrite: cacheWrite, cacheWrite1h: cacheWrite1h,
                                  output: output, reasoning: reasoning),
                cost: Money(cost) ?? .zero, unpricedRequests: unpriced))
        }
        return groups
    }
}
