import Foundation
import Hummingbird
import Metering
import Pricing

/// `POST /admin/reprice` and `GET /admin/adjustments`: applying corrected prices to stored usage.
///
/// A reprice recomputes the cost of one model's events in `[from, to)` from their token buckets,
/// under the price entries in force at each event's time (corrections included) and the
/// provider's multiplier. A dry run only answers what would change; otherwise the events, the
/// daily rollups and the budget spend move by exactly the difference in one transaction, and an
/// adjustment is recorded.
struct RepriceController {
    let repricer: any UsageRepricer
    let meter: UsageMeter
    let budgets: BudgetService
    let maxBodyBytes: Int

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("reprice", use: reprice)
        group.get("adjustments", use: adjustments)
    }

    struct RepriceRequest: Decodable {
        var model: String
        var from: Date
        var to: Date
        var dry_run: Bool?
    }

    struct RepriceView: Encodable {
        var model: String
        var from: Date
        var to: Date
        var dry_run: Bool
        var events: Int
        var old_cost_usd: Money
        var new_cost_usd: Money
        var delta_usd: Money
        /// The adjustment recorded, when applied; null on a dry run.
        var adjustment_id: Int64?

        enum CodingKeys: String, CodingKey {
            case model, from, to, dry_run, events, old_cost_usd, new_cost_usd, delta_usd, adjustment_id
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(model, forKey: .model)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
            try container.encode(dry_run, forKey: .dry_run)
            try container.encode(events, forKey: .events)
            try container.encode(old_cost_usd, forKey: .old_cost_usd)
            try container.encode(new_cost_usd, forKey: .new_cost_usd)
            try container.encode(delta_usd, forKey: .delta_usd)
            try container.encode(adjustment_id, forKey: .adjustment_id)
        }
    }

    struct AdjustmentView: Encodable {
        var id: Int64
        var created_at: Date
        var model: String
        var from: Date
        var to: Date
        var events: Int
        var old_cost_usd: Money
        var new_cost_usd: Money
        var delta_usd: Money

        init(_ adjustment: CostAdjustment) {
            id = adjustment.id
            created_at = adjustment.time
            model = adjustment.model
            from = adjustment.from
            to = adjustment.to
            events = adjustment.events
            old_cost_usd = adjustment.oldCost
            new_cost_usd = adjustment.newCost
            delta_usd = adjustment.delta
        }
    }

    @Sendable func reprice(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let body = try JSONBody.decode(RepriceRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        guard !body.model.isEmpty, body.model.count <= 200 else {
            throw GatewayError.invalidRequest("'model' must be 1 to 200 characters.", param: "model")
        }
        guard body.from < body.to else {
            throw GatewayError.invalidRequest("'from' must be before 'to'.", param: "to")
        }
        let meter = self.meter
        let prices = meter.prices.table
        let result = try await repricer.reprice(model: body.model, from: body.from, to: body.to, dryRun: body.dry_run ?? false) { stored in
            meter.cost(model: stored.model, provider: stored.provider, usage: stored.usage, mode: stored.billing, at: stored.time, in: prices)
        }
        if result.adjustment != nil {
            // This replica's counters at once; the others on the announcement.
            try? await budgets.spendAdjusted()
        }
        return try JSONBody.response(RepriceView(
            model: body.model, from: body.from, to: body.to, dry_run: body.dry_run ?? false, events: result.events,
            old_cost_usd: result.oldCost, new_cost_usd: result.newCost, delta_usd: result.delta, adjustment_id: result.adjustment?.id))
    }

    @Sendable func adjustments(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        try JSONBody.response(ListView(data: try await repricer.adjustments().map(AdjustmentView.init)))
    }
}
