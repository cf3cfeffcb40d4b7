import HTTPTypes
import NIOCore
import Metering
import OpenAIWire
import Pricing
import Providers

/// One attempt of the pipeline at one deployment: where it goes, the budget it holds, and the
/// settlement that books it. Handlers read it; only the settlement writes anything.
struct Attempt: Sendable {
    /// The deployment that serves it (the cheaper model's, when admission downgraded).
    let deployment: Deployment
    let hold: BudgetHold
    let settlement: AttemptSettlement
    /// Whether the request asked for the 12-hour prompt cache (see `UsageMeter.tokenUsage`).
    let longCacheRetention: Bool
    /// Where a stream's time to first event is recorded.
    let metrics: GatewayMetrics
    /// The attempt's span, when traces are exported.
    let trace: AttemptTrace?
    /// The client's connection: whether it is still there when the answer is ready.
    let client: any Channel

    var terms: SettlementTerms { settlement.terms }

    /// The token buckets of an upstream's usage.
    func tokens(_ usage: Usage) -> TokenUsage {
        UsageMeter.tokenUsage(usage, longRetention: longCacheRetention)
    }

    /// What `usage` costs at the terms the attempt was admitted under (before it is settled: an
    /// answer carries its cost).
    func cost(_ usage: Usage) -> Money? {
        let tokens = tokens(usage)
        return terms.cost(tokens, mode: terms.billing(reportedTier: usage.serviceTier, usage: tokens))
    }

    /// The answer's headers: what served it, how many attempts it took, and the budget left once
    /// it settles at `cost` (a stream's cost is not known yet: its reservation stands).
    func headers(settlingAt cost: Money?? = nil) -> HTTPFields {
        // Appended, not set by name: each is new, and setting one searches the fields for it first.
        var headers = HTTPFields()
        headers.reserveCapacity(8)
        headers.append(HTTPField(name: .tollgateModel, value: deployment.model))
        headers.append(HTTPField(name: .tollgateProvider, value: deployment.provider))
        headers.append(HTTPField(name: .tollgateAttempts, value: String(terms.attempt)))
        if let from = terms.downgradedFrom { headers.append(HTTPField(name: .tollgateDowngradedFrom, value: from)) }
        let remaining: Money?
        if let cost { remaining = hold.remaining(settlingAt: cost) } else { remaining = hold.remaining }
        if let remaining { headers.append(HTTPField(name: .tollgateBudgetRemaining, value: remaining.rounded(scale: 6).decimalString)) }
        return headers
    }
}
