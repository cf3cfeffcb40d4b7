import Pricing
import Synchronization

/// A budget reservation an attempt holds until it is settled.
public protocol BudgetClaim: Sendable {
    /// Replaces the reservation by `cost` (nil: nothing is owed) and the token estimate by `tokensUsed`.
    func settle(cost: Money?, tokensUsed: Int)
}

/// Settles one attempt at an upstream exactly once, whatever ended it: the one place an outcome
/// becomes a usage row, a budget settlement and a health signal, each as `AttemptPolicy` says.
///
/// Exactly once by construction: `settle` takes a one-shot flag first, and an attempt that is
/// dropped unsettled (an answer whose body never ran: the client reset the connection before it)
/// settles itself as abandoned. Everything is priced with the `terms` it was admitted under.
///
/// ```swift
/// let attempt = AttemptSettlement(terms: terms, bound: bound, claim: hold, recorder: recorder) { signal in … }
/// let settled = attempt.settle(.answered, usage: tokens, serviceTier: "default")
/// // or: attempt.settle(.failedAfterSending(.timeout)); settled.decision.next says where to go
/// ```
public final class AttemptSettlement: Sendable {
    /// What a settlement did.
    public struct Settled: Sendable, Hashable {
        public var decision: AttemptPolicy.Decision
        /// The row's tokens (zero when no row was written).
        public var usage: TokenUsage
        /// The row's cost; nil when no row was written or the model is unpriced.
        public var cost: Money?
    }

    public let terms: SettlementTerms
    /// The admission's upper bound on the attempt's tokens (prompt bound, output cap × `n`).
    public let bound: TokenUsage
    private let claim: any BudgetClaim
    private let recorder: UsageRecorder
    private let health: @Sendable (AttemptPolicy.Health, Int) -> Void
    private let observe: @Sendable (AttemptOutcome, Settled) -> Void
    private let open = Atomic<Bool>(true)

    /// - Parameters:
    ///   - health: receives what the deployment's breaker records, and the attempt's latency in
    ///     milliseconds.
    ///   - observe: receives the outcome the attempt settled with, and what it booked (metrics
    ///     count them, traces show them).
    public init(
        terms: SettlementTerms, bound: TokenUsage, claim: any BudgetClaim, recorder: UsageRecorder,
        observe: @escaping @Sendable (AttemptOutcome, Settled) -> Void = { _, _ in },
        health: @escaping @Sendable (AttemptPolicy.Health, Int) -> Void
    ) {
        self.observe = observe
        self.terms = terms
        self.bound = bound
        self.claim = claim
        self.recorder = recorder
        self.health = health
    }

    /// Settles the attempt, once: later calls do nothing and return nil.
    ///
    /// - Parameters:
    ///   - usage: what the upstream reported (or what was counted from the answer); nil unknown.
    ///   - usageEstimated: `usage` was counted by the gateway, not reported.
    ///   - streamedOutput: output tokens a stream delivered before it ended, for estimates.
    ///   - serviceTier: the tier the upstream reported serving.
    @discardableResult
    public func settle(
        _ outcome: AttemptOutcome, usage: TokenUsage? = nil, usageEstimated: Bool = false, streamedOutput: Int? = nil,
        serviceTier: String? = nil
    ) -> Settled? {
        guard open.exchange(false, ordering: .acquiringAndReleasing) else { return nil }
        let decision = AttemptPolicy.decide(outcome)
        var settled = Settled(decision: decision, usage: .zero, cost: nil)
        switch decision.row {
        case .none:
            claim.settle(cost: nil, tokensUsed: 0)
        case .reported(let status):
            let tokens = usage ?? estimate(reported: nil, streamedOutput: streamedOutput)
            settled = record(decision, tokens, status: status, serviceTier: serviceTier, estimated: usage == nil || usageEstimated)
        case .noTokens(let status):
            settled = record(decision, .zero, status: status, serviceTier: nil, estimated: false)
        case .estimated(let status):
            settled = record(decision, estimate(reported: usage, streamedOutput: streamedOutput), status: status, serviceTier: serviceTier,
                             estimated: true)
        }
        health(decision.health, terms.elapsedMilliseconds)
        observe(outcome, settled)
        return settled
    }

    /// What an attempt that ended without final usage is billed: the input the provider reported,
    /// else the admission's bound (images, tools and cache at their bounds); the output streamed
    /// before the end, else the output cap the provider may still bill. Never below what was
    /// reported.
    public func estimate(reported: TokenUsage?, streamedOutput: Int?) -> TokenUsage {
        var usage = reported ?? .zero
        if usage.input == 0 {
            usage.uncachedInput = bound.uncachedInput
            usage.cacheWrite = bound.cacheWrite
            usage.cacheWrite1h = bound.cacheWrite1h
        }
        usage.output = streamedOutput.map { max($0, usage.output) } ?? max(bound.output, usage.output)
        return usage
    }

    private func record(_ decision: AttemptPolicy.Decision, _ usage: TokenUsage, status: Int, serviceTier: String?, estimated: Bool) -> Settled {
        let billing = terms.billing(reportedTier: serviceTier, usage: usage)
        let cost = terms.cost(usage, mode: billing)
        claim.settle(cost: cost, tokensUsed: usage.total)
        recorder.record(terms.event(usage: usage, billing: billing, cost: cost, status: status, estimated: estimated))
        return Settled(decision: decision, usage: usage, cost: cost)
    }

    deinit {
        // An attempt nobody settled reached its upstream and was answered, but its answer was
        // never delivered (the response body never ran): the client left.
        settle(.abandoned)
    }
}
