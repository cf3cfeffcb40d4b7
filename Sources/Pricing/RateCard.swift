/// One set of rates with its prompt-length bands: a model's standard rates, or one service tier's.
public struct RateCard: Sendable, Hashable {
    /// The rates of a prompt below every band.
    public var rates: Rates
    /// Prompt-length bands, ascending by `aboveInputTokens`.
    public var tiers: [ModelPrice.PromptTier]

    public init(rates: Rates, tiers: [ModelPrice.PromptTier] = []) {
        self.rates = rates
        self.tiers = tiers.sorted { $0.aboveInputTokens < $1.aboveInputTokens }
    }

    /// The rates of the band a prompt of `promptTokens` falls in: a prompt above a band's
    /// threshold is billed wholly at that band.
    public func rates(promptTokens: Int) -> Rates {
        tiers.last { promptTokens > $0.aboveInputTokens }?.rates ?? rates
    }

    /// Every rate set of the card, the standard one first.
    public var allRates: [Rates] { [rates] + tiers.map(\.rates) }

    /// Whether every rate has at most six decimals (what the 12-place cost keeps exact).
    public var isExact: Bool { allRates.allSatisfy(\.isExact) }
}
