import Foundation
import Hummingbird
import Metering
import OpenAIWire
import Pricing

/// `GET /admin/spend` and `GET /v1/spend`: reads the query, asks the store, renders the report
/// (JSON, or CSV with `format=csv`); `GET /admin/spend/focus`: the same spend as FOCUS 1.2.
struct SpendReporter: Sendable {
    let store: any SpendReportStore
    /// Flushed before each report, so a report on this replica includes every request it served.
    let recorder: UsageRecorder

    /// The report for the query string of `request`; `forcedTeam` pins it to one team (a team key).
    func report(for request: Request, forcedTeam: UUID?) async throws -> Response {
        let parameters = request.uri.queryParameters
        let query = try Self.query(from: parameters, forcedTeam: forcedTeam, now: Date())
        let format = parameters.get("format") ?? "json"
        guard format == "json" || format == "csv" else {
            throw GatewayError.invalidRequest("'format' must be json or csv.", param: "format")
        }
        try? await recorder.flush()
        let rows = try await store.spend(query)
        if format == "csv" { return Self.csv(query: query, rows: rows) }
        return try JSONBody.response(SpendReportView(query: query, rows: rows))
    }

    static func query(from parameters: Parameters, forcedTeam: UUID?, now: Date) throws -> SpendQuery {
        // `timezone`: days (group_by=day, bare dates, the default month) follow that zone's calendar.
        var zone = TimeZone.gmt
        let zoneName = parameters.get("timezone")
        if let zoneName {
            guard zoneName.utf8.count <= 64, let named = TimeZone(identifier: zoneName) else {
                throw GatewayError.invalidRequest("'timezone' must be an IANA time zone such as UTC or Europe/Berlin.", param: "timezone")
            }
            zone = named
        }
        let (monthStart, nextMonth) = Self.month(containing: now, in: zone)
        let from = try parameters.get("from").map { try date($0, "from", in: zone) } ?? monthStart
        let to = try parameters.get("to").map { try date($0, "to", in: zone) } ?? nextMonth
        guard from < to else {
            throw GatewayError.invalidRequest("'from' must be before 'to'.", param: "from")
        }
        var groupBy: [ReportDimension] = []
        for name in (parameters.get("group_by") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let dimension = ReportDimension(rawValue: name) else {
                throw GatewayError.invalidRequest(
                    "Unknown group_by '\(name)': use any of \(ReportDimension.allCases.map(\.rawValue).joined(separator: ",")).", param: "group_by")
            }
            if !groupBy.contains(dimension) { groupBy.append(dimension) }
        }
        return SpendQuery(
            from: from, to: to, groupBy: groupBy, teamID: try forcedTeam ?? parameters.uuid("team_id"), endUser: try parameters.endUser(),
            run: try parameters.routingName("run"), timeZone: zoneName)
    }

    static func date(_ text: String, _ name: String, in zone: TimeZone = .gmt) throws -> Date {
        guard let date = Timestamp.parse(text, timeZone: zone) else {
            throw GatewayError.invalidRequest("'\(name)' must be YYYY-MM-DD (midnight) or an RFC 3339 time.", param: name)
        }
        return date
    }

    /// The calendar month around `date` in `zone`: its first instant and the next month's.
    static func month(containing date: Date, in zone: TimeZone = .gmt) -> (Date, Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
        let next = calendar.date(byAdding: .month, value: 1, to: start) ?? date
        return (start, next)
    }
}

/// The report's JSON: `{"from", "to", "currency", "group_by", "totals", "rows"}`.
struct SpendReportView: Encodable {
    var from: Date
    var to: Date
    var currency = "USD"
    var timezone: String
    var group_by: [ReportDimension]
    var totals: TotalsView
    var rows: [RowView]

    init(query: SpendQuery, rows: [SpendRow]) {
        from = query.from
        to = query.to
        timezone = query.timeZone ?? "UTC"
        group_by = query.groupBy
        totals = TotalsView(rows.reduce(SpendTotals()) { $0 + $1.totals })
        self.rows = rows.map { RowView(row: $0, groupBy: query.groupBy) }
    }

    struct TotalsView: Encodable {
        var requests: Int
        var input_tokens: Int
        var cached_input_tokens: Int
        var cache_write_tokens: Int
        var output_tokens: Int
        var reasoning_tokens: Int
        var cost_usd: Money
        var unpriced_requests: Int
        var estimated_requests: Int

        init(_ totals: SpendTotals) {
            requests = totals.requests
            input_tokens = totals.inputTokens
            cached_input_tokens = totals.cachedInputTokens
            cache_write_tokens = totals.cacheWriteTokens
            output_tokens = totals.outputTokens
            reasoning_tokens = totals.reasoningTokens
            cost_usd = totals.cost
            unpriced_requests = totals.unpricedRequests
            estimated_requests = totals.estimatedRequests
        }
    }

    /// One field per grouping, then the sums.
    struct RowView: Encodable {
        var row: SpendRow
        var groupBy: [ReportDimension]

        enum Key: String, CodingKey {
            case team_id, team, key_id, key, model, task, day, provider, route, end_user, run
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for dimension in groupBy {
                switch dimension {
                case .team:
                    try container.encode(row.teamID, forKey: .team_id)
                    try container.encode(row.teamName, forKey: .team)
                case .key:
                    try container.encode(row.keyID, forKey: .key_id)
                    try container.encode(row.keyName, forKey: .key)
                case .model: try container.encode(row.model, forKey: .model)
                case .task: try container.encode(row.task, forKey: .task)
                case .day: try container.encode(row.day, forKey: .day)
                case .provider: try container.encode(row.provider, forKey: .provider)
                case .route: try container.encode(row.route, forKey: .route)
                case .endUser: try container.encode(row.endUser, forKey: .end_user)
                case .run: try container.encode(row.run, forKey: .run)
                }
            }
            try TotalsView(row.totals).encode(to: encoder)
        }
    }
}
