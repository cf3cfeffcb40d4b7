import Foundation
import Hummingbird
import Metering
import Pricing

/// `GET /admin/what-if?model=…&task=…&team_id=…&key_id=…&from=…&to=…`: what the matching traffic
/// cost, and what it would have cost on `model`, from its stored token buckets at that model's
/// price in force at the range's end (or now, if sooner). Each call is priced in the prompt band
/// its own prompt falls in; a bucket the model has no rate for is named with its tokens, never
/// priced at zero.
struct WhatIfController: Sendable {
    let store: any WhatIfStore
    let prices: PriceBook
    let recorder: UsageRecorder
    let clock: @Sendable () -> Date

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.get("what-if") { request, _ in try await whatIf(request, forcedTeam: nil) }
    }

    /// The what-if for `request`'s query; `forcedTeam` pins it to one team (`GET /v1/what-if`).
    func whatIf(_ request: Request, forcedTeam: UUID?) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let model = parameters.get("model"), !model.isEmpty, model.utf8.count <= 200, !model.utf8.contains(0) else {
            throw GatewayError.invalidRequest("Missing required parameter: 'model' (the model to price the traffic at).", param: "model")
        }
        let query = try SpendReporter.query(from: parameters, forcedTeam: forcedTeam, now: clock())
        let task = try parameters.routingName("task")
        let keyID = try parameters.uuid("key_id")
        let pricedAt = min(query.to, clock())
        guard let price = prices.table.price(for: model, at: pricedAt) else {
            throw GatewayError.invalidRequest(
                "The model '\(model)' has no price on this gateway at \(Timestamp.format(pricedAt)): nothing to compare with.",
                param: "model", code: "model_not_priced")
        }
        try? await recorder.flush()
        let groups = try await store.whatIfGroups(
            from: query.from, to: query.to, task: task, teamID: query.teamID, keyID: keyID, thresholds: WhatIf.thresholds(of: price))
        let result = WhatIf.price(groups, at: price)
        return try JSONBody.response(WhatIfView(
            model: model, provider: price.provider, pricedAt: pricedAt, from: query.from, to: query.to, task: task, teamID: query.teamID,
            keyID: keyID, result: result))
    }
}

/// The what-if's JSON.
struct WhatIfView: Encodable {
    var object = "what_if"
    var model: String
    var provider: String
    var prices_at: Date
    var from: Date
    var to: Date
    var task: String?
    var team_id: UUID?
    var key_id: UUID?
    var requests: Int
    var cost_usd: Money
    var unpriced_requests: Int
    var what_if_cost_usd: Money
    var difference_usd: Money
    var unpriced_buckets: [Bucket]
    var by_model: [Line]

    struct Bucket: Encodable {
        var bucket: String
        var tokens: Int
        var reason: String
    }

    struct Line: Encodable {
        var model: String
        var provider: String
        var requests: Int
        var input_tokens: Int
        var cached_input_tokens: Int
        var cache_write_tokens: Int
        var output_tokens: Int
        var reasoning_tokens: Int
        var cost_usd: Money
        var unpriced_requests: Int
        var what_if_cost_usd: Money
    }

    init(model: String, provider: String, pricedAt: Date, from: Date, to: Date, task: String?, teamID: UUID?, keyID: UUID?, result: WhatIf.Result) {
        self.model = model
        self.provider = provider
        prices_at = pricedAt
        self.from = from
        self.to = to
        self.task = task
        team_id = teamID
        key_id = keyID
        requests = result.requests
        cost_usd = result.cost
        unpriced_requests = result.unpricedRequests
        what_if_cost_usd = result.whatIfCost
        difference_usd = result.whatIfCost - result.cost
        unpriced_buckets = result.unpriced.map { Bucket(bucket: $0.bucket, tokens: $0.tokens, reason: $0.reason) }
        by_model = result.lines.map {
            Line(model: $0.servedModel, provider: $0.provider, requests: $0.requests, input_tokens: $0.usage.input,
                 cached_input_tokens: $0.usage.cacheRead, cache_write_tokens: $0.usage.cacheWrites, output_tokens: $0.usage.output,
                 reasoning_tokens: $0.usage.reasoning, cost_usd: $0.cost, unpriced_requests: $0.unpricedRequests, what_if_cost_usd: $0.whatIfCost)
        }
    }

    func encode(to encoder: any Encoder) throws {
        enum Key: String, CodingKey {
            case object, model, provider, prices_at, from, to, task, team_id, key_id, requests, cost_usd, unpriced_requests,
                 what_if_cost_usd, difference_usd, unpriced_buckets, by_model
        }
        // Filters not set are null, not absent: the answer always has the same fields.
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(object, forKey: .object)
        try container.encode(model, forKey: .model)
        try container.encode(provider, forKey: .provider)
        try container.encode(prices_at, forKey: .prices_at)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(task, forKey: .task)
        try container.encode(team_id, forKey: .team_id)
        try container.encode(key_id, forKey: .key_id)
        try container.encode(requests, forKey: .requests)
        try container.encode(cost_usd, forKey: .cost_usd)
        try container.encode(unpriced_requests, forKey: .unpriced_requests)
        try container.encode(what_if_cost_usd, forKey: .what_if_cost_usd)
        try container.encode(difference_usd, forKey: .difference_usd)
        try container.encode(unpriced_buckets, forKey: .unpriced_buckets)
        try container.encode(by_model, forKey: .by_model)
    }
}
