import Foundation
import Logging
import Metering
import OpenAIWire
import Pricing
import Synchronization

/// The gateway's side of metering: the price book and the recorder every attempt settles with,
/// the upstream's usage as token buckets, and repricing's cost.
final class UsageMeter: Sendable {
    let prices: PriceBook
    let recorder: UsageRecorder
    /// The negotiated price multiplier of a provider (`price_multiplier` in `tollgate.yaml`), as
    /// the configuration in force says: for repricing, never for a call in flight (its terms
    /// carry the multiplier that admitted it).
    let multiplier: @Sendable (String) -> Decimal?
    private let unpricedSeen = Mutex<Set<String>>([])
    private let logger: Logger

    init(prices: PriceBook, recorder: UsageRecorder, multiplier: @escaping @Sendable (String) -> Decimal? = { _ in nil }, logger: Logger) {
        self.prices = prices
        self.recorder = recorder
        self.multiplier = multiplier
        self.logger = logger
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

    /// Logs, once per model, that a served model has no price: its usage is metered with cost null.
    func unpriced(_ model: String) {
        guard unpricedSeen.withLock({ $0.insert(model).inserted }) else { return }
        logger.warning("model has no price: its usage is metered with cost null", metadata: [LogKey.model: "\(model)"])
    }

    /// The cost of `usage` on `model` served by `provider` at `date` under `table`, with the
    /// provider's multiplier in force now: what repricing charges. Nil when unpriced.
    func cost(model: String, provider: String, usage: TokenUsage, mode: BillingMode, at date: Date, in table: PriceTable) -> Money? {
        guard let price = table.price(for: model, at: date) else { return nil }
        if let tier = mode.serviceTier, !price.canPrice(serviceTier: tier) {
            logger.warning("a service tier the price has no rates for: billed at the standard rates",
                           metadata: [LogKey.model: "\(model)", "service_tier": "\(tier)"])
        }
        return SettlementTerms.applying(multiplier(provider), to: price.cost(for: usage, mode: mode))
    }
}
