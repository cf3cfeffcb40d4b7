import Logging
import Metering
import OpenAIWire
import Pricing
import Providers
import Synchronization

/// Settles one attempt at an upstream exactly once, whatever happened to it: the one place that
/// turns an outcome into a usage row and a budget settlement.
///
/// The rule is whether the request was sent, not what kind of error ended it: a request that
/// never left (no connection, not expressible for the provider) releases its reservation and
/// writes no row; one that was sent is metered with the usage the upstream reported, else with an
/// estimate that never under-counts, marked `usage_estimated`.
///
/// ```swift
/// let attempt = AttemptSettlement(call: call, hold: hold, meter: meter, bound: bound)
/// do { let answer = try await provider.complete(…); attempt.completed(usage, estimated: false) }
/// catch let error as ProviderError { attempt.failed(error) }
/// ```
final class AttemptSettlement: Sendable {
    let call: ProxiedCall
    let hold: BudgetHold
    let meter: UsageMeter
    /// The admission's upper bound on the attempt's tokens (prompt bound, output cap × `n`).
    let bound: TokenUsage
    private let open = Mutex(true)

    init(call: ProxiedCall, hold: BudgetHold, meter: UsageMeter, bound: TokenUsage) {
        self.call = call
        self.hold = hold
        self.meter = meter
        self.bound = bound
    }

    /// Settles an answered call (status 200) with `usage`, served at the service tier the upstream
    /// reported; returns its cost (nil when unpriced).
    @discardableResult
    func completed(_ usage: TokenUsage, serviceTier: String? = nil, estimated: Bool) -> Money? {
        settle(status: 200, usage: usage, serviceTier: serviceTier, estimated: estimated)
    }

    /// Settles a failed call. `reported` is usage the upstream sent before it failed; `streamed`
    /// the output tokens a stream delivered before the client left.
    func failed(_ error: ProviderError, reported: Usage? = nil, streamedOutput: Int? = nil) {
        guard error.requestSent else {
            release()
            return
        }
        switch error.kind {
        case .upstreamStatus(let status):
            // The provider answered with an error: it did not run the call.
            settle(status: status, usage: .zero, estimated: false)
        default:
            settle(status: Self.status(of: error.kind), usage: estimate(reported: reported, streamedOutput: streamedOutput), estimated: true)
        }
    }

    /// Settles a call whose client left mid-stream (499: a write to it failed), from what the
    /// provider reported and what was streamed.
    func abandoned(reported: Usage?, streamedOutput: Int) {
        settle(status: 499, usage: estimate(reported: reported, streamedOutput: streamedOutput), estimated: true)
    }

    /// Gives the reservation back without a row: the request never reached the upstream.
    func release() {
        guard take() else { return }
        hold.release()
    }

    /// What a call that ended without final usage is billed: the input the provider reported,
    /// else the admission's bound (images, tools and cache at their bounds); the output streamed
    /// to a client that left, else the output cap the provider may still bill.
    func estimate(reported: Usage?, streamedOutput: Int?) -> TokenUsage {
        var usage = reported.flatMap { $0.isPlausible ? UsageMeter.tokenUsage($0, longRetention: call.longCacheRetention) : nil } ?? .zero
        if usage.input == 0 {
            usage.uncachedInput = bound.uncachedInput
            usage.cacheWrite = bound.cacheWrite
            usage.cacheWrite1h = bound.cacheWrite1h
        }
        let output = streamedOutput.map { max($0, usage.output) } ?? max(bound.output, usage.output)
        usage.output = output
        return usage
    }

    /// The status a metered failure is recorded with.
    static func status(of kind: ProviderError.Kind) -> Int {
        switch kind {
        case .upstreamStatus(let status): status
        case .timeout: 504
        case .cancelled: 503
        case .unreachable, .badResponse, .unsupported: 502
        }
    }

    @discardableResult
    private func settle(status: Int, usage: TokenUsage, serviceTier: String? = nil, estimated: Bool) -> Money? {
        guard take() else { return nil }
        let billing = meter.billing(call, reportedTier: serviceTier, usage: usage)
        let cost = meter.cost(call, usage: usage, mode: billing)
        hold.settle(cost: cost, tokensUsed: usage.total)
        meter.record(call, usage: usage, billing: billing, cost: cost, status: status, estimated: estimated)
        return cost
    }

    private func take() -> Bool {
        open.withLock { open in
            defer { open = false }
            return open
        }
    }
}
