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
    }

    /// The exact cost of `usage` at this price, rounded to `Money.costScale` places.
    public func cost(for usage: TokenUsage) -> Money {
        let perMillion =
            input.amount * Decimal(usage.uncachedInput)
            + cachedInput.amount * Decimal(usage.cacheRead)
            + cacheWrite.amount * Decimal(usage.cacheWrite)
            + output.amount * Decimal(usage.output)
        return Money(perMillion / 1_000_000).rounded()
    }
}
