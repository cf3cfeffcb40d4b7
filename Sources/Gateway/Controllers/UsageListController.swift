import Foundation
import Hummingbird
import Metering
import Pricing

/// `GET /admin/usage` and `GET /v1/usage`: the stored usage rows, newest first, a page at a time
/// (`limit`, then `before=<next_cursor>`), narrowed by team, key, task, model, status, end user,
/// run and time.
/// What was called, by whom, what it used and cost; never a prompt (none is stored).
struct UsageListController: Sendable {
    let store: any UsageListStore
    /// Flushed first, so a listing on this replica shows every request it served.
    let recorder: UsageRecorder

    static let maximumLimit = 200

    /// The listing for `request`'s query; `forcedTeam` pins it to one team (a team key).
    func list(_ request: Request, forcedTeam: UUID?) async throws -> Response {
        let query = try Self.query(from: request.uri.queryParameters, forcedTeam: forcedTeam)
        try? await recorder.flush()
        var page = query
        page.limit = query.limit + 1  // one more tells whether another page follows
        var rows = try await store.usage(page)
        let hasMore = rows.count > query.limit
        if hasMore { rows.removeLast(rows.count - query.limit) }
        return try JSONBody.response(UsageListView(
            data: rows.map(UsageRowView.init), has_more: hasMore, next_cursor: hasMore ? rows.last?.cursor.token : nil))
    }

    static func query(from parameters: Parameters, forcedTeam: UUID?) throws -> UsageListQuery {
        func name(_ field: String) throws -> String? {
            guard let text = parameters.get(field) else { return nil }
            guard !text.isEmpty, text.utf8.count <= 200, !text.utf8.contains(0) else {
                throw GatewayError.invalidRequest("'\(field)' must be 1 to 200 bytes, without NUL characters.", param: field)
            }
            return text
        }
        let from = try parameters.get("from").map { try SpendReporter.date($0, "from") } ?? Date(timeIntervalSince1970: 0)
        let to = try parameters.get("to").map { try SpendReporter.date($0, "to") } ?? Date.distantFuture
        guard from < to else { throw GatewayError.invalidRequest("'from' must be before 'to'.", param: "from") }
        var limit = 50
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...maximumLimit).contains(value) else {
                throw GatewayError.invalidRequest("'limit' must be a whole number from 1 to \(maximumLimit).", param: "limit")
            }
            limit = value
        }
        var status: UsageListQuery.StatusFilter?
        if let text = parameters.get("status") {
            switch text {
            case "ok": status = .succeeded
            case "error": status = .failed
            default:
                guard let code = Int(text), (100...599).contains(code) else {
                    throw GatewayError.invalidRequest("'status' must be ok, error or an HTTP status code.", param: "status")
                }
                status = .exactly(code)
            }
        }
        var before: UsageCursor?
        if let text = parameters.get("before") {
            guard let cursor = UsageCursor(token: text) else {
                throw GatewayError.invalidRequest("'before' is not a cursor this gateway gave (use next_cursor).", param: "before")
            }
            before = cursor
        }
        return UsageListQuery(
            from: from, to: to, teamID: try forcedTeam ?? parameters.uuid("team_id"), keyID: try parameters.uuid("key_id"),
            task: try name("task"), model: try name("model"), status: status, endUser: try parameters.endUser(),
            run: try parameters.routingName("run"), limit: limit, before: before)
    }
}

/// The listing's JSON: `{"object": "list", "data", "has_more", "next_cursor"}`.
struct UsageListView: Encodable {
    var object = "list"
    var data: [UsageRowView]
    var has_more: Bool
    var next_cursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(data, forKey: .data)
        try container.encode(has_more, forKey: .has_more)
        try container.encode(next_cursor, forKey: .next_cursor)
    }

    enum CodingKeys: CodingKey { case object, data, has_more, next_cursor }
}

/// One usage row; absent values are `null`, not missing.
struct UsageRowView: Encodable {
    var listing: UsageListing

    enum CodingKeys: String, CodingKey {
        case created_at, request_id, attempt, team_id, team, key_id, key, task, requested_model, served_model, provider, route
        case input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens
        case cost_usd, status, latency_ms, streamed, usage_estimated, downgraded_from, end_user, run
    }

    func encode(to encoder: any Encoder) throws {
        let row = listing.event
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(row.time, forKey: .created_at)
        try container.encode(row.requestID, forKey: .request_id)
        try container.encode(row.attempt, forKey: .attempt)
        try container.encode(row.teamID, forKey: .team_id)
        try container.encode(listing.teamName, forKey: .team)
        try container.encode(row.keyID, forKey: .key_id)
        try container.encode(listing.keyName, forKey: .key)
        try container.encode(row.task, forKey: .task)
        try container.encode(row.requestedModel, forKey: .requested_model)
        try container.encode(row.servedModel, forKey: .served_model)
        try container.encode(row.provider, forKey: .provider)
        try container.encode(row.route, forKey: .route)
        try container.encode(row.usage.input, forKey: .input_tokens)
        try container.encode(row.usage.cacheRead, forKey: .cached_input_tokens)
        try container.encode(row.usage.cacheWrites, forKey: .cache_write_tokens)
        try container.encode(row.usage.cacheWrite1h, forKey: .cache_write_1h_tokens)
        try container.encode(row.usage.output, forKey: .output_tokens)
        try container.encode(row.usage.reasoning, forKey: .reasoning_tokens)
        try container.encode(row.cost, forKey: .cost_usd)
        try container.encode(row.status, forKey: .status)
        try container.encode(row.latencyMilliseconds, forKey: .latency_ms)
        try container.encode(row.streamed, forKey: .streamed)
        try container.encode(row.usageEstimated, forKey: .usage_estimated)
        try container.encode(row.downgradedFrom, forKey: .downgraded_from)
        try container.encode(row.endUser, forKey: .end_user)
        try container.encode(row.run, forKey: .run)
    }
}
