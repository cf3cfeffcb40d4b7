import Foundation
import Governance
import Hummingbird
import Metering
import OpenAIWire
import Pricing
import Providers
import Routing

/// The pipeline's admission step: rate limits and budgets reserve the request's bound on the
/// deployment it tries, and each attempt is given the terms it will be settled with.
extension ProxyController {
    /// Rate limits and budgets: reserves the cost of the request's token bound on the model
    /// admission picks (the requested one, or its downgrade). A fallback hop is admitted against
    /// the budgets again but not counted against the rate limits again.
    func admit(
        _ principal: Principal, model: String, provider: String, shape: RequestShape, tokens: Int, prices: PriceTable,
        setup: RoutingSetup, endUser: String?, run: AgentRun?, firstHop: Bool = true
    ) async throws -> BudgetHold {
        guard meter.recorder.acceptsCalls else { throw GatewayError.meteringUnavailable }
        let (downgrades, estimate) = admission(principal, model: model, providers: [provider], shape: shape, prices: prices, setup: setup)
        return try await budgets.admit(
            principal, endUser: endUser, run: run, model: model, tokens: firstHop ? tokens : 0, downgrades: downgrades, estimate: estimate,
            countsAgainstRateLimits: firstHop)
    }

    /// What admission decides with, for a call and for its preview alike: the team's downgrade
    /// map (models this gateway serves), and the upper cost estimate of the request on a model
    /// (nil when unpriced), its provider's multiplier applied. `providers` are those that may
    /// serve `model`: the estimate is the dearest of them (a call's one, a preview's draw).
    func admission(
        _ principal: Principal, model: String, providers: [String], shape: RequestShape, prices: PriceTable, setup: RoutingSetup
    ) -> (downgrades: [String: String], estimate: @Sendable (String) -> Money?) {
        let now = budgets.clock()
        let catalog = setup.catalog
        let multipliers = setup.multipliers
        let downgrades = principal.team.downgrades.filter { catalog.deployment(for: $0.value, prices: prices) != nil }
        return (downgrades, { candidate in
            guard let price = prices.price(for: candidate, at: now) else { return nil }
            // Thinking output is never cheaper than plain output: the bound assumes it.
            let cost = price.cost(for: shape.bound(outputCap: price.maxOutputTokens), mode: BillingMode(serviceTier: shape.billing.serviceTier, thinking: true))
            let servedBy = candidate == model ? providers : [catalog.deployment(for: candidate, prices: prices)?.provider ?? price.provider]
            return servedBy.map { SettlementTerms.applying(multipliers[$0], to: cost) }.max()
        })
    }

    /// A 400 naming the field when the request asks for more output than the model can write, or
    /// for an option that changes the bill in a way the model's price cannot express
    /// (`unpriced_option`): it would be under-billed otherwise.
    func checkPriceable(_ shape: RequestShape, model: String, prices: PriceTable) throws {
        guard let price = prices.price(for: model, at: budgets.clock()) else { return }
        if let asked = shape.maxOutput, let cap = price.maxOutputTokens, asked > cap {
            throw GatewayError.invalidRequest(
                "Invalid '\(shape.outputField)': \(asked) is more than \(model) can produce (at most \(cap) output tokens).",
                param: shape.outputField, code: "invalid_value")
        }
        if let tier = shape.billing.serviceTier, !price.canPrice(serviceTier: tier) {
            let known = (Array(ModelPrice.standardServiceTiers) + price.serviceTiers.keys).sorted().joined(separator: ", ")
            throw GatewayError.invalidRequest(
                "The service tier '\(tier)' has no price for \(model) on this gateway (priced: \(known)). Add its rates to the model's price entry, or leave 'service_tier' out.",
                param: "service_tier", code: "unpriced_option")
        }
        let card = price.card(serviceTier: shape.billing.serviceTier)
        if shape.cacheWrites.oneHour, !card.allRates.allSatisfy(\.publishesCacheWrite1h) {
            throw GatewayError.invalidRequest(
                "1-hour prompt caching (cache_control ttl '1h') has no price for \(model) on this gateway. Add 'cache_write_1h' to the model's price entry, or use the 5-minute cache.",
                param: "messages", code: "unpriced_option")
        }
        if shape.longCacheRetention, !card.allRates.allSatisfy(\.publishesCacheWrite1h) {
            throw GatewayError.invalidRequest(
                "12-hour prompt caching has no price for \(model) on this gateway. Add its 12-hour write rate as 'cache_write_1h' to the model's price entry, or leave the cache at its default retention.",
                param: "prompt_cache_options", code: "unpriced_option")
        }
    }

    /// The attempt at the deployment admission chose (`deployment`, or one of the downgraded
    /// model's), with its terms fixed now: the price, multiplier and budget period that admitted
    /// it are the ones that settle it.
    func attempt(
        _ call: RoutedRequest, number: Int, route: String, context: TollgateRequestContext, deployment: Deployment, hold: BudgetHold
    ) throws -> Attempt {
        let served = hold.servedModel == deployment.model ? deployment : call.setup.catalog.deployment(for: hold.servedModel, prices: call.prices)
        guard let served else {
            hold.release()
            throw GatewayError.modelNotFound(hold.servedModel)
        }
        let now = budgets.clock()
        let price = call.prices.price(for: served.model, at: now)
        var terms = SettlementTerms(
            requestID: context.requestID, attempt: number, route: route, teamID: call.principal.team.id, keyID: call.principal.key.id,
            task: call.task, requestedModel: call.requested ?? RoutingTable.auto, servedModel: served.model, provider: served.provider,
            streamed: call.streamed, billing: call.shape.billing, downgradedFrom: hold.downgradedFrom, budgetPeriodStart: hold.periodStart,
            price: price, multiplier: call.setup.multipliers[served.provider], startedAt: now)
        terms.endUser = call.endUser
        terms.run = call.run?.name
        terms.runStartedAt = call.run?.startedAt
        let (board, clock, meter, id, metrics) = (routing.health, budgets.clock, meter, served.id, metrics)
        let settledTerms = terms
        let trace = context.trace?.attempt(terms, operation: call.operation)
        let settlement = AttemptSettlement(
            terms: terms, bound: call.shape.bound(outputCap: price?.maxOutputTokens), claim: hold, recorder: meter.recorder,
            observe: { outcome, settled in
                metrics.attempt(outcome, provider: served.provider, model: served.model)
                trace?.settled(outcome, settled, terms: settledTerms)
            }
        ) { signal, milliseconds in
            switch signal {
            case .success: board.succeeded(id, milliseconds: milliseconds)
            case .failure(let retryAfter): board.failed(id, at: clock(), retryAfter: retryAfter, milliseconds: milliseconds)
            case .none: board.released(id)
            }
        }
        if price == nil { meter.unpriced(served.model) }
        if number > 1 { metrics.fallback(to: served.provider, model: served.model) }
        return Attempt(
            deployment: served, hold: hold, settlement: settlement, longCacheRetention: call.shape.longCacheRetention, metrics: metrics,
            trace: trace, client: context.channel)
    }

}
