import Foundation

/// What one model costs from a date on, in USD per 1M tokens.
public struct ModelPrice: Sendable, Hashable {
    /// The public model name callers use, e.g. `gpt-4o`.
    public var model: String
    public var provider: String
    public var input: Money
    /// Price of prompt tokens read from the provider's cache; `input` when the provider has none.
    public var cachedInput: Money
    /// Price of prompt tokens written to the provider's cache; `input` when the provider has none.
    public var cacheWrite: Money
    public var output: Money
    /// The first instant (UTC) this price applies to.
    public var effectiveFrom: Date
    /// The most output tokens the model can produce in one answer, for budget estimates.
    public var maxOutputTokens: Int?
    /// Where the price was read, so it can be checked.
    public var source: String
    /// The four rates in millionths of a dollar per 1M tokens — that is, in 10⁻¹² USD per token —
    /// when each has at most six decimals, as every published price does: costs are then exact
    /// integer sums. nil sends `cost(for:)` the slower all-`Decimal` way.
    private let picoRates: [Int64]?

    public init(
        model: String, provider: String, input: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil,
        output: Money, effectiveFrom: Date, maxOutputTokens: Int? = nil, source: String = ""
    ) {
        self.model = model
        self.provider = provider
        self.input = input
        self.cachedInput = cachedInput ?? input
        self.cacheWrite = cacheWrite ?? input
        self.output = output
        self.effectiveFrom = effectiveFrom
        self.maxOutputTokens = maxOutputTokens
        self.source = source
        let rates = [input, cachedInput ?? input, cacheWrite ?? input, output].map(Self.picoRate)
        self.picoRates = rates.contains(nil) ? nil : rates.compactMap { $0 }
    }

    /// A price per 1M tokens in 10⁻⁶ USD, if it has at most six decimals.
    static func picoRate(_ price: Money) -> Int64? {
        var scaled = price.amount * 1_000_000
        var whole = Decimal()
        NSDecimalRound(&whole, &scaled, 0, .plain)
        guard whole == scaled else { return nil }
        return Int64(whole.description)
    }

    /// Whether every rate has at most six decimals (what the 12-place cost keeps exact).
    public var hasExactRates: Bool { picoRates != nil }

    /// The exact cost of `usage` at this price, rounded to `Money.costScale` places.
    public func cost(for usage: TokenUsage) -> Money {
        if let rates = picoRates {
            var total: Int64 = 0
            var overflow = false
            for (rate, tokens) in zip(rates, [usage.uncachedInput, usage.cacheRead, usage.cacheWrite, usage.output]) {
                let (product, productOverflow) = rate.multipliedReportingOverflow(by: Int64(tokens))
                let (sum, sumOverflow) = total.addingReportingOverflow(product)
                total = sum
                overflow = overflow || productOverflow || sumOverflow
            }
            if !overflow && total >= 0 {
                return Money(Decimal(sign: .plus, exponent: -Money.costScale, significand: Decimal(total)))
            }
        }
        let perMillion =
            input.amount * Decimal(usage.uncachedInput)
            + cachedInput.amount * Decimal(usage.cacheRead)
            + cacheWrite.amount * Decimal(usage.cacheWrite)
            + output.amount * Decimal(usage.output)
        return Money(perMillion / 1_000_000).rounded()
    }
}
