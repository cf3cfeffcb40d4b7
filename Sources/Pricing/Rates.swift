import Foundation

/// What each kind of token costs under one set of conditions, in USD per 1M tokens.
///
/// A rate a provider does not publish takes the nearest one that never bills less than the
/// provider would for the tokens it reports: cache reads and 5-minute writes take `input`, 1-hour
/// writes take the 5-minute rate, thinking output takes `output`.
public struct Rates: Sendable, Hashable {
    public var input: Money
    /// Prompt tokens read from the provider's cache.
    public var cachedInput: Money
    /// Prompt tokens written to the provider's cache (Anthropic's 5-minute class, and every write
    /// of a provider with one class).
    public var cacheWrite: Money
    /// Prompt tokens written to Anthropic's 1-hour cache.
    public var cacheWrite1h: Money
    public var output: Money
    /// Output when the model thinks (Qwen's thinking mode), where it is billed apart.
    public var thinkingOutput: Money
    /// Which rates the provider published (the rest are defaults): a request that would be billed
    /// at an unpublished rate is refused as unpriceable.
    public var publishesCacheWrite1h: Bool
    public var publishesThinkingOutput: Bool
    /// The six rates in 10⁻⁶ USD per 1M tokens (10⁻¹² USD per token) when each has at most six
    /// decimals, as every published price does: costs are then exact integer sums.
    let picoRates: [Int64]?

    public init(
        input: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil, cacheWrite1h: Money? = nil, output: Money,
        thinkingOutput: Money? = nil
    ) {
        self.input = input
        self.cachedInput = cachedInput ?? input
        self.cacheWrite = cacheWrite ?? input
        self.cacheWrite1h = cacheWrite1h ?? cacheWrite ?? input
        self.output = output
        self.thinkingOutput = thinkingOutput ?? output
        self.publishesCacheWrite1h = cacheWrite1h != nil
        self.publishesThinkingOutput = thinkingOutput != nil
        let rates = [self.input, self.cachedInput, self.cacheWrite, self.cacheWrite1h, self.output, self.thinkingOutput].map(Self.picoRate)
        self.picoRates = rates.contains(nil) ? nil : rates.compactMap { $0 }
    }

    /// A price per 1M tokens in 10⁻⁶ USD, if it has at most six decimals.
    static func picoRate(_ price: Money) -> Int64? {
        var scaled = price.amount * 1_000_000
        var whole = Decimal()
        NSDecimalRound(&whole, &scaled, 0, .plain)
        guard whole == scaled, whole >= 0, whole < Decimal(Int64.max) else { return nil }
        return Int64(whole.description)
    }

    /// Whether every rate has at most six decimals (what the 12-place cost keeps exact).
    public var isExact: Bool { picoRates != nil }

    /// The exact cost of `usage` at these rates, rounded to `Money.costScale` places.
    public func cost(for usage: TokenUsage, thinking: Bool) -> Money {
        let outputRateIndex = thinking ? 5 : 4
        let counts = [usage.uncachedInput, usage.cacheRead, usage.cacheWrite, usage.cacheWrite1h, usage.output]
        if let rates = picoRates {
            let applied = [rates[0], rates[1], rates[2], rates[3], rates[outputRateIndex]]
            var total: Int64 = 0
            var overflow = false
            for (rate, tokens) in zip(applied, counts) {
                let (product, productOverflow) = rate.multipliedReportingOverflow(by: Int64(tokens))
                let (sum, sumOverflow) = total.addingReportingOverflow(product)
                total = sum
                overflow = overflow || productOverflow || sumOverflow
            }
            if !overflow && total >= 0 {
                return Money(Decimal(sign: .plus, exponent: -Money.costScale, significand: Decimal(total)))
            }
        }
        let outputRate = thinking ? thinkingOutput : output
        let perMillion = zip([input, cachedInput, cacheWrite, cacheWrite1h, outputRate], counts)
            .reduce(Decimal(0)) { $0 + $1.0.amount * Decimal($1.1) }
        return Money(perMillion / 1_000_000).rounded()
    }
}

/// What a call's bill depends on besides its tokens.
public struct BillingMode: Sendable, Hashable {
    /// The service tier the call was served at (`priority`, `flex`, …); nil is the standard tier.
    public var serviceTier: String?
    /// Whether the model ran in a thinking mode that has its own output rate.
    public var thinking: Bool

    public init(serviceTier: String? = nil, thinking: Bool = false) {
        self.serviceTier = serviceTier
        self.thinking = thinking
    }

    public static let standard = BillingMode()
}
