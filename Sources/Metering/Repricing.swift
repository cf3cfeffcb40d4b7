import Foundation
import Pricing

/// A stored usage event as repricing sees it: what its cost depends on, and what it was charged.
public struct StoredUsage: Sendable {
    public var time: Date
    public var model: String
    public var provider: String
    public var usage: TokenUsage
    public var billing: BillingMode
    public var cost: Money?

    public init(time: Date, model: String, provider: String, usage: TokenUsage, billing: BillingMode, cost: Money?) {
        self.time = time
        self.model = model
        self.provider = provider
        self.usage = usage
        self.billing = billing
        self.cost = cost
    }
}

/// What a reprice changed, or would change (a dry run has no `adjustment`).
public struct RepriceResult: Sendable, Equatable {
    public var events: Int
    /// Sums of the priced events' costs before and after (unpriced events count as nothing).
    public var oldCost: Money
    public var newCost: Money
    public var delta: Money { newCost - oldCost }
    public var adjustment: CostAdjustment?

    public init(events: Int, oldCost: Money, newCost: Money, adjustment: CostAdjustment? = nil) {
        self.events = events
        self.oldCost = oldCost
        self.newCost = newCost
        self.adjustment = adjustment
    }
}

/// The record an applied reprice leaves: `GET /admin/adjustments`.
public struct CostAdjustment: Sendable, Equatable {
    public var id: Int64
    public var time: Date
    public var model: String
    public var from: Date
    public var to: Date
    public var events: Int
    public var oldCost: Money
    public var newCost: Money
    public var delta: Money

    public init(id: Int64, time: Date, model: String, from: Date, to: Date, events: Int, oldCost: Money, newCost: Money, delta: Money) {
        self.id = id
        self.time = time
        self.model = model
        self.from = from
        self.to = to
        self.events = events
        self.oldCost = oldCost
        self.newCost = newCost
        self.delta = delta
    }
}

/// Recomputes the cost of stored usage from its token buckets.
public protocol UsageRepricer: Sendable {
    /// Reprices the events `model` served in `from..<to` with `cost` (the price in force at each
    /// event's time; nil leaves an event unpriced). Unless `dryRun`, applies the change in one
    /// transaction to the events, the daily rollups and the budget spend, and records an adjustment.
    func reprice(
        model: String, from: Date, to: Date, dryRun: Bool, cost: @escaping @Sendable (StoredUsage) -> Money?
    ) async throws -> RepriceResult

    /// Every adjustment, newest first.
    func adjustments() async throws -> [CostAdjustment]
}
