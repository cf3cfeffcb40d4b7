import Foundation
import PostgresNIO

/// One `usage_events` row as tests read it back.
public struct UsageRow: Sendable, Equatable {
    public var requestID: String
    public var task: String
    public var requestedModel: String
    public var servedModel: String
    public var provider: String
    public var uncachedInput: Int
    public var cacheRead: Int
    public var cacheWrite: Int
    public var output: Int
    public var reasoning: Int
    /// The exact NUMERIC as text; nil for an unpriced model.
    public var cost: String?
    public var status: Int
    public var streamed: Bool
    public var estimated: Bool
    public var teamID: UUID
    public var keyID: UUID
    public var downgradedFrom: String?
    public var cacheWrite1h = 0
    public var serviceTier: String?
    public var thinking = false
    public var attempt = 1
    public var route = "direct"
    public var endUser: String?
    public var run: String?
}

extension GatewayHarness {
    /// Flushes the usage writer, then reads every usage row, oldest first.
    public func usageRows() async throws -> [UsageRow] {
        try await flushUsage()
        return try await Self.usageRows(postgres)
    }

    public static func usageRows(_ client: PostgresClient) async throws -> [UsageRow] {
        let rows = try await client.query("""
            SELECT request_id, task, requested_model, served_model, provider, uncached_input_tokens, cache_read_tokens,
                   cache_write_tokens, output_tokens, reasoning_tokens, cost_usd::text, status, streamed, usage_estimated, team_id, key_id, downgraded_from,
                   cache_write_1h_tokens, service_tier, thinking, attempt, route, end_user, run
            FROM usage_events ORDER BY created_at, request_id, attempt
            """)
        var result: [UsageRow] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            result.append(UsageRow(
                requestID: try columns[0].decode(String.self), task: try columns[1].decode(String.self),
                requestedModel: try columns[2].decode(String.self), servedModel: try columns[3].decode(String.self),
                provider: try columns[4].decode(String.self), uncachedInput: try columns[5].decode(Int.self),
                cacheRead: try columns[6].decode(Int.self), cacheWrite: try columns[7].decode(Int.self),
                output: try columns[8].decode(Int.self), reasoning: try columns[9].decode(Int.self),
                cost: try columns[10].decode(String?.self), status: try columns[11].decode(Int.self),
                streamed: try columns[12].decode(Bool.self), estimated: try columns[13].decode(Bool.self),
                teamID: try columns[14].decode(UUID.self), keyID: try columns[15].decode(UUID.self),
                downgradedFrom: try columns[16].decode(String?.self), cacheWrite1h: try columns[17].decode(Int.self),
                serviceTier: try columns[18].decode(String?.self), thinking: try columns[19].decode(Bool.self),
                attempt: try columns[20].decode(Int.self), route: try columns[21].decode(String.self),
                endUser: try columns[22].decode(String?.self), run: try columns[23].decode(String?.self)))
        }
        return result
    }
}
