import Foundation
import Governance
import Logging
import Metering
import OpenAIWire
import Pricing
import Providers
import Synchronization

/// Settles a proxied call: turns the upstream's usage into priced token buckets and hands one
/// usage event to the recorder. Never waits on the database.
final class UsageMeter: Sendable {
    let prices: PriceBook
    let recorder: UsageRecorder
    /// The negotiated price multiplier of a provider (`price_multiplier` in `tollgate.yaml`), as
    /// the configuration in force says.
    let multiplier: @Sendable (String) -> Decimal?
    private let unpricedSeen = Mutex<Set<String>>([])
    private let logger: Logger

    init(prices: PriceBook, recorder: UsageRecorder, multiplier: @escaping @Sendable (String) -> Decimal? = { _ in nil }, logger: Logger) {
        self.prices = prices
        self.recorder = recorder
        self.multiplier = multiplier
        self.logger = logger
    }

    /// `cost` under `provider`'s negotiated multiplier, exact to `Money.costScale` places.
    static func applying(_ multiplier: Decimal?, to cost: Money) -> Money {
        guard let multiplier, multiplier != 1 else { return cost }
        return Money(cost.amount * multiplier).rounded()
    }

    /// The token buckets of an OpenAI usage object: cached and cache-write tokens are taken out of
    /// `prompt_tokens`, and 1-hour writes out of the writes, so no token is priced twice.
    /// `longRetention`: the request asked for the 12-hour cache, so writes reported without a
    /// class are long-lived writes. Counts must be plausible (`Usage.isPlausible`).
    static func tokenUsage(_ usage: Usage, longRetention: Bool = false) -> TokenUsage {
        let reportedLong = longRetention && usage.cacheWrite1hTokens == 0 ? usage.cacheWriteTokens : usage.cacheWrite1hTokens
        let oneHour = min(reportedLong, usage.cacheWriteTokens)
        return TokenUsage(
            uncachedInput: max(usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens, 0),
            cacheRead: usage.cachedTokens,
            cacheWrite: usage.cacheWriteTokens - oneHour,
            cacheWrite1h: oneHour,
            output: usage.completionTokens,
            reasoning: usage.reasoningTokens
        )
    }

    /// How a call is billed: the service tier the upstream reported, and thinking when the request
    /// switched it on or the model reported thinking tokens. An upstream that does not say which
    /// tier served the call is billed at the dearer of the standard tier and the one asked for:
    /// never less than either could have cost.
    func billing(_ call: ProxiedCall, reportedTier: String?, usage: TokenUsage) -> BillingMode {
        let thinking = call.billing.thinking || usage.reasoning > 0
        if let reportedTier { return BillingMode(serviceTier: reportedTier, thinking: thinking) }
        let asked = BillingMode(serviceTier: call.billing.serviceTier, thinking: thinking)
        guard asked.serviceTier != nil, let price = call.prices.price(for: call.deployment.model, at: call.startedAt) else { return asked }
        let standard = BillingMode(serviceTier: nil, thinking: thinking)
        return price.cost(for: usage, mode: asked) >= price.cost(for: usage, mode: standard) ? asked : standard
    }

    /// The cost of a proxied call's `usage`, with the price table it was admitted under.
    func cost(_ call: ProxiedCall, usage: TokenUsage, mode: BillingMode) -> Money? {
        cost(model: call.deployment.model, provider: call.deployment.provider, usage: usage, mode: mode, at: call.startedAt, in: call.prices)
    }

    /// The cost of `usage` on `model` served by `provider` at `date` under `table`, or nil
    /// (logged once per model) when unpriced.
    func cost(model: String, provider: String, usage: TokenUsage, mode: BillingMode, at date: Date, in table: PriceTable) -> Money? {
        if let price = table.price(for: model, at: date) {
            if let tier = mode.serviceTier, !price.canPrice(serviceTier: tier) {
                logger.warning("the upstream served a service tier the price has no rates for: billed at the standard rates",
                               metadata: [LogKey.model: "\(model)", "service_tier": "\(tier)"])
            }
            return Self.applying(multiplier(provider), to: price.cost(for: usage, mode: mode))
        }
        let first = unpricedSeen.withLock { $0.insert(model).inserted }
        if first {
            logger.warning("model has no price: its usage is metered with cost null", metadata: [LogKey.model: "\(model)"])
        }
        return nil
    }

    /// Records one call that reached an upstream.
    func record(_ call: ProxiedCall, usage: TokenUsage, billing: BillingMode, cost: Money?, status: Int, estimated: Bool = false) {
        var event = UsageEvent(
            requestID: call.requestID,
            attempt: call.attempt,
            time: call.startedAt,
            teamID: call.principal.team.id,
            keyID: call.principal.key.id,
            task: call.task,
            requestedModel: call.requestedModel,
            servedModel: call.deployment.model,
            provider: call.deployment.provider,
            usage: usage,
            billing: billing,
            cost: cost,
            status: status,
            latencyMilliseconds: call.elapsedMilliseconds,
            streamed: call.streamed,
            usageEstimated: estimated,
            downgradedFrom: call.downgradedFrom,
            budgetPeriodStart: call.budgetPeriodStart
        )
        event.route = call.route
        recorder.record(event)
    }
}

/// The facts of one proxied call that its usage row needs.
struct ProxiedCall: Sendable {
    var requestID: String
    /// 1 for the first upstream tried, 2 for the first fallback, …
    var attempt = 1
    /// What chose the model: an alias, a task route, or `direct`.
    var route = "direct"
    var principal: Principal
    var task: String
    var requestedModel: String
    var deployment: Deployment
    var streamed: Bool
    /// The service tier and thinking mode the request asked for.
    var billing: BillingMode = .standard
    /// Whether the request asked for the 12-hour prompt cache (see `UsageMeter.tokenUsage`).
    var longCacheRetention = false
    var downgradedFrom: String?
    var budgetPeriodStart: Date?
    /// The price table the call was admitted under; it is settled with the same one.
    var prices: PriceTable
    var startedAt: Date
    var clockStart = ContinuousClock.now

    var elapsedMilliseconds: Int {
        let elapsed = ContinuousClock.now - clockStart
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
