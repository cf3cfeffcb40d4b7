import Foundation
import Pricing

/// What an attempt is settled with, fixed when it was admitted: who called, what was asked and
/// served, and the price, provider multiplier and budget period in force then. A price change or
/// a configuration reload that lands while the call runs changes the next call, never this one.
public struct SettlementTerms: Sendable {
    public var requestID: String
    /// 1 for the first upstream tried, 2 for the first fallback, …
    public var attempt: Int
    /// What chose the model: an alias, a task route, or `direct`.
    public var route: String
    public var teamID: UUID
    public var keyID: UUID
    public var task: String
    /// Who the app served the call for, when the request said.
    public var endUser: String?
    /// The agent run or job the call belongs to, when the request said.
    public var run: String?
    /// When that run started (its budget counts spend since).
    public var runStartedAt: Date?
    public var requestedModel: String
    public var servedModel: String
    public var provider: String
    public var streamed: Bool
    /// The service tier and thinking mode the request asked for.
    public var billing: BillingMode
    public var downgradedFrom: String?
    /// The budget period the attempt was admitted in.
    public var budgetPeriodStart: Date?
    /// The served model's price when the attempt was admitted; nil when it had none.
    public var price: ModelPrice?
    /// The provider's negotiated price multiplier when the attempt was admitted.
    public var multiplier: Decimal?
    public var startedAt: Date
    public var clockStart: ContinuousClock.Instant

    public init(
        requestID: String, attempt: Int, route: String, teamID: UUID, keyID: UUID, task: String, requestedModel: String,
        servedModel: String, provider: String, streamed: Bool, billing: BillingMode, downgradedFrom: String?,
        budgetPeriodStart: Date?, price: ModelPrice?, multiplier: Decimal?, startedAt: Date, clockStart: ContinuousClock.Instant = .now
    ) {
        self.requestID = requestID
        self.attempt = attempt
        self.route = route
        self.teamID = teamID
        self.keyID = keyID
        self.task = task
        self.requestedModel = requestedModel
        self.servedModel = servedModel
        self.provider = provider
        self.streamed = streamed
        self.billing = billing
        self.downgradedFrom = downgradedFrom
        self.budgetPeriodStart = budgetPeriodStart
        self.price = price
        self.multiplier = multiplier
        self.startedAt = startedAt
        self.clockStart = clockStart
    }

    /// `cost` under a negotiated multiplier, exact to `Money.costScale` places.
    public static func applying(_ multiplier: Decimal?, to cost: Money) -> Money {
        guard let multiplier, multiplier != 1 else { return cost }
        return Money(cost.amount * multiplier).rounded()
    }

    /// How the call is billed: the service tier the upstream reported, and thinking when the
    /// request switched it on or the model reported thinking tokens. An upstream that does not say
    /// which tier served the call is billed at the dearer of the standard tier and the one asked
    /// for: never less than either could have cost.
    public func billing(reportedTier: String?, usage: TokenUsage) -> BillingMode {
        let thinking = billing.thinking || usage.reasoning > 0
        if let reportedTier { return BillingMode(serviceTier: reportedTier, thinking: thinking) }
        let asked = BillingMode(serviceTier: billing.serviceTier, thinking: thinking)
        guard asked.serviceTier != nil, let price else { return asked }
        let standard = BillingMode(serviceTier: nil, thinking: thinking)
        return price.cost(for: usage, mode: asked) >= price.cost(for: usage, mode: standard) ? asked : standard
    }

    /// The cost of `usage` billed in `mode`, at the admitted price and multiplier; nil when unpriced.
    public func cost(_ usage: TokenUsage, mode: BillingMode) -> Money? {
        price.map { Self.applying(multiplier, to: $0.cost(for: usage, mode: mode)) }
    }

    public var elapsedMilliseconds: Int {
        let elapsed = ContinuousClock.now - clockStart
        return Int(min(max(elapsed / .milliseconds(1), 0), 86_400_000))
    }

    /// The usage row of the attempt.
    public func event(usage: TokenUsage, billing: BillingMode, cost: Money?, status: Int, estimated: Bool) -> UsageEvent {
        var event = UsageEvent(
            requestID: requestID, attempt: attempt, time: startedAt, teamID: teamID, keyID: keyID, task: task,
            requestedModel: requestedModel, servedModel: servedModel, provider: provider, usage: usage, billing: billing, cost: cost,
            status: status, latencyMilliseconds: elapsedMilliseconds, streamed: streamed, usageEstimated: estimated,
            downgradedFrom: downgradedFrom, budgetPeriodStart: budgetPeriodStart)
        event.route = route
        event.endUser = endUser
        event.run = run
        event.runStartedAt = runStartedAt
        return event
    }
}
