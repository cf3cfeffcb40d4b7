import Foundation
import Logging
import Metering
import PostgresNIO
import Pricing

/// Spend reports from PostgreSQL: from the daily rollup when the range is whole UTC days, from the
/// raw events otherwise. Both give the same numbers for the same requests.
public struct PostgresSpendReportStore: SpendReportStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The columns of one source table that a report reads.
    struct Source {
        var table: String
        var model: String
        var day: String
        var endUser: String
        /// The run column; the rollup has none (reports by run read the events).
        var run: String
        var sums: [String]
        var range: String

        static let rollup = Source(
            table: "usage_daily",
            model: "u.model",
            day: "to_char(u.day, 'YYYY-MM-DD')",
            endUser: "NULLIF(u.end_user, '')",
            run: "NULL::text",
            sums: [
                "sum(u.requests)", "sum(u.input_tokens)", "sum(u.cached_input_tokens)", "sum(u.cache_write_tokens)",
                "sum(u.output_tokens)", "sum(u.reasoning_tokens)", "coalesce(sum(u.cost_usd), 0)", "sum(u.unpriced_requests)", "sum(u.estimated_requests)",
            ],
            range: "u.day >= ($1 AT TIME ZONE 'UTC')::date AND u.day < ($2 AT TIME ZONE 'UTC')::date"
        )

        static let events = Source(
            table: "usage_events",
            model: "u.served_model",
            day: "to_char((u.created_at AT TIME ZONE $6::text)::date, 'YYYY-MM-DD')",
            endUser: "u.end_user",
            run: "u.run",
            sums: [
                "count(*)", "sum(u.uncached_input_tokens + u.cache_read_tokens + u.cache_write_tokens + u.cache_write_1h_tokens)",
                "sum(u.cache_read_tokens)", "sum(u.cache_write_tokens + u.cache_write_1h_tokens)", "sum(u.output_tokens)", "sum(u.reasoning_tokens)",
                "coalesce(sum(u.cost_usd), 0)", "count(*) FILTER (WHERE u.cost_usd IS NULL)", "count(*) FILTER (WHERE u.usage_estimated)",
            ],
            range: "u.created_at >= $1 AND u.created_at < $2"
        )
    }

    static func isWholeDay(_ date: Date) -> Bool {
        Int(date.timeIntervalSince1970) % 86_400 == 0 && date.timeIntervalSince1970.rounded() == date.timeIntervalSince1970
    }

    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let byRun = query.run != nil || query.groupBy.contains(.run)
        // The rollup keeps UTC days: a report whose days follow another time zone reads the events.
        let rollupAnswers = !byRun && query.daysAreUTC && Self.isWholeDay(query.from) && Self.isWholeDay(query.to)
        let source = rollupAnswers ? Source.rollup : Source.events
        return try await spend(query, from: source)
    }

    /// The report from one source; internal so tests can check that both sources agree.
    func spend(_ query: SpendQuery, from source: Source) async throws -> [SpendRow] {
        let grouped = Set(query.groupBy)
        // Every report selects the same columns, NULL for dimensions not grouped by, so one decoder serves all.
        let dimensions: [(ReportDimension, String, String)] = [
            (.team, "u.team_id", "NULL::uuid"), (.team, "t.name", "NULL::text"),
            (.key, "u.key_id", "NULL::uuid"), (.key, "k.name", "NULL::text"),
            (.model, source.model, "NULL::text"), (.task, "u.task", "NULL::text"),
            (.day, source.day, "NULL::text"), (.provider, "u.provider", "NULL::text"), (.route, "u.route", "NULL::text"),
            (.endUser, source.endUser, "NULL::text"), (.run, source.run, "NULL::text"),
        ]
        let selected = dimensions.map { grouped.contains($0.0) ? $0.1 : $0.2 }
        let groupExpressions = dimensions.filter { grouped.contains($0.0) }.map(\.1)
        let sums = source.sums.enumerated().map { index, sum in index == 6 ? "(\(sum))::text" : "(\(sum))::int8" }
        var sql = """
            SELECT \((selected + sums).joined(separator: ", "))
            FROM \(source.table) u
            LEFT JOIN teams t ON t.id = u.team_id
            LEFT JOIN api_keys k ON k.id = u.key_id
            WHERE \(source.range) AND ($3::uuid IS NULL OR u.team_id = $3) AND ($4::text IS NULL OR \(source.endUser) = $4)
                AND ($5::text IS NULL OR \(source.run) = $5)
            """
        if !groupExpressions.isEmpty {
            sql += "\nGROUP BY \(groupExpressions.joined(separator: ", "))"
            sql += "\nORDER BY \(groupExpressions.joined(separator: ", "))"
        }
        var binds = PostgresBindings()
        binds.append(query.from)
        binds.append(query.to)
        binds.append(query.teamID)
        binds.append(query.endUser)
        binds.append(query.run)
        // $6, the time zone of the events' days (the rollup's are UTC days and need none).
        if source.table == Source.events.table { binds.append(query.daysAreUTC ? "UTC" : query.timeZone) }
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)

        var report: [SpendRow] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            var totals = SpendTotals()
            totals.requests = try columns[11].decode(Int?.self) ?? 0
            totals.inputTokens = try columns[12].decode(Int?.self) ?? 0
            totals.cachedInputTokens = try columns[13].decode(Int?.self) ?? 0
            totals.cacheWriteTokens = try columns[14].decode(Int?.self) ?? 0
            totals.outputTokens = try columns[15].decode(Int?.self) ?? 0
            totals.reasoningTokens = try columns[16].decode(Int?.self) ?? 0
            totals.cost = try columns[17].decode(String?.self).flatMap(Money.init) ?? .zero
            totals.unpricedRequests = try columns[18].decode(Int?.self) ?? 0
            totals.estimatedRequests = try columns[19].decode(Int?.self) ?? 0
            // An ungrouped report over no rows still yields one row of zeros: skip it.
            if groupExpressions.isEmpty && totals.requests == 0 { continue }
            var line = SpendRow(totals: totals)
            line.teamID = try columns[0].decode(UUID?.self)
            line.teamName = try columns[1].decode(String?.self)
            line.keyID = try columns[2].decode(UUID?.self)
            line.keyName = try columns[3].decode(String?.self)
            line.model = try columns[4].decode(String?.self)
            line.task = try columns[5].decode(String?.self)
            line.day = try columns[6].decode(String?.self)
            line.provider = try columns[7].decode(String?.self)
            line.route = try columns[8].decode(String?.self)
            line.endUser = try columns[9].decode(String?.self)
            line.run = try columns[10].decode(String?.self)
            report.append(line)
        }
        return report
    }
}
