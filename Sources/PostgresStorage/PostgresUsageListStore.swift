import Foundation
import Logging
import Metering
import PostgresNIO
import Pricing

/// Usage rows from `usage_events`, newest first, a page at a time (keyset paging on
/// `(created_at, request_id, attempt)`, served by the time indexes).
public struct PostgresUsageListStore: UsageListStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func usage(_ query: UsageListQuery) async throws -> [UsageListing] {
        let (minimumStatus, maximumStatus): (Int, Int) = switch query.status {
        case nil: (0, Int(Int32.max))
        case .succeeded: (0, 399)
        case .failed: (400, Int(Int32.max))
        case .exactly(let code): (code, code)
        }
        let before = query.before
        let rows = try await client.query("""
            SELECT u.created_at, u.request_id, u.attempt, u.team_id, t.name, u.key_id, k.name, u.task, u.requested_model,
                   u.served_model, u.provider, u.route, u.uncached_input_tokens, u.cache_read_tokens, u.cache_write_tokens,
                   u.cache_write_1h_tokens, u.output_tokens, u.reasoning_tokens, u.cost_usd::text, u.status, u.latency_ms,
                   u.streamed, u.usage_estimated, u.downgraded_from, u.end_user, u.run, u.service_tier, u.thinking
            FROM usage_events u
            LEFT JOIN teams t ON t.id = u.team_id
            LEFT JOIN api_keys k ON k.id = u.key_id
            WHERE u.created_at >= \(query.from) AND u.created_at < \(query.to)
              AND (\(query.teamID)::uuid IS NULL OR u.team_id = \(query.teamID)::uuid)
              AND (\(query.keyID)::uuid IS NULL OR u.key_id = \(query.keyID)::uuid)
              AND (\(query.task)::text IS NULL OR u.task = \(query.task)::text)
              AND (\(query.model)::text IS NULL OR u.requested_model = \(query.model)::text OR u.served_model = \(query.model)::text)
              AND (\(query.endUser)::text IS NULL OR u.end_user = \(query.endUser)::text)
              AND (\(query.run)::text IS NULL OR u.run = \(query.run)::text)
              AND u.status BETWEEN \(minimumStatus)::int AND \(maximumStatus)::int
              AND (\(before?.createdAt)::timestamptz IS NULL
                   OR (u.created_at, u.request_id, u.attempt) < (\(before?.createdAt)::timestamptz, \(before?.requestID)::text, \(before?.attempt)::int))
            ORDER BY u.created_at DESC, u.request_id DESC, u.attempt DESC
            LIMIT \(query.limit)
            """, logger: logger)
        var listing: [UsageListing] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            var event = UsageEvent(
                requestID: try columns[1].decode(String.self), attempt: try columns[2].decode(Int.self), time: try columns[0].decode(Date.self),
                teamID: try columns[3].decode(UUID.self), keyID: try columns[5].decode(UUID.self), task: try columns[7].decode(String.self),
                requestedModel: try columns[8].decode(String.self), servedModel: try columns[9].decode(String.self),
                provider: try columns[10].decode(String.self),
                usage: TokenUsage(
                    uncachedInput: try columns[12].decode(Int.self), cacheRead: try columns[13].decode(Int.self),
                    cacheWrite: try columns[14].decode(Int.self), cacheWrite1h: try columns[15].decode(Int.self),
                    output: try columns[16].decode(Int.self), reasoning: try columns[17].decode(Int.self)),
                billing: BillingMode(serviceTier: try columns[26].decode(String?.self), thinking: try columns[27].decode(Bool.self)),
                cost: try columns[18].decode(String?.self).flatMap(Money.init), status: try columns[19].decode(Int.self),
                latencyMilliseconds: try columns[20].decode(Int.self), streamed: try columns[21].decode(Bool.self),
                usageEstimated: try columns[22].decode(Bool.self), downgradedFrom: try columns[23].decode(String?.self))
            event.route = try columns[11].decode(String.self)
            event.endUser = try columns[24].decode(String?.self)
            event.run = try columns[25].decode(String?.self)
            listing.append(UsageListing(event: event, teamName: try columns[4].decode(String?.self), keyName: try columns[6].decode(String?.self)))
        }
        return listing
    }
}
