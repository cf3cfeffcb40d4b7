import Foundation

/// What one model costs from a date on, in USD per 1M tokens, with the billing rules its
/// provider applies.
public struct ModelPrice: Sendable, Hashable {
    /// A price band by prompt length: a request whose prompt (every input token, cached or not)
    /// is above `aboveInputTokens` is billed wholly at `rates`.
    public struct PromptTier: Sendable, Hashable {
        public var aboveInputTokens: Int
        public var rates: Rates

        public init(aboveInputTokens: Int, rates: Rates) {
            self.aboveInputTokens = aboveInputTokens
            self.rates = rates
        }
    }

    /// The public model name callers use, e.g. `gpt-4o`.
    public var model: String
    public var provider: String
    /// The standard rates, for a prompt below every tier.
    public var rates: Rates
    /// Prompt-length bands, ascending by `aboveInputTokens`.
    public var tiers: [PromptTier]
    /// Rates by the service tier the provider reports it served (`priority`, `flex`, …), each
    /// with its own prompt-length bands.
    public var serviceTiers: [String: RateCard]
    /// The first instant (UTC) this price applies to.
    public var effectiveFrom: Date
    /// The model's context window, where known.
    public var maxInputTokens: Int?
    /// The most output tokens the model can produce in one answer, for budget estimates.
    public var maxOutputTokens: Int?
    /// false when the model takes no images or no tools: routing skips it for requests that
    /// carry them. nil is unknown, taken as able.
    public var supportsImages: Bool?
    public var supportsTools: Bool?
    /// From this day on the provider no longer serves the model.
    public var retiredFrom: Date?
    /// The model to use instead, once retired.
    public var replacedBy: String?
    /// Where the price was read, so it can be checked.
    public var source: String

    public init(
        model: String, provider: String, rates: Rates, tiers: [PromptTier] = [], serviceTiers: [String: RateCard] = [:],
        effectiveFrom: Date, maxInputTokens: Int? = nil, maxOutputTokens: Int? = nil, retiredFrom: Date? = nil,
        replacedBy: String? = nil, source: String = ""
    ) {
        self.model = model
        self.provider = provider
        self.rates = rates
        self.tiers = tiers.sorted { $0.aboveInputTokens < $1.aboveInputTokens }
        self.serviceTiers = serviceTiers
        self.effectiveFrom = effectiveFrom
        self.maxInputTokens = maxInputTokens
        self.maxOutputTokens = maxOutputTokens
        self.retiredFrom = retiredFrom
        self.replacedBy = replacedBy
        self.source = source
    }

    /// A price with one set of rates and no special rules.
    public init(
        model: String, provider: String, input: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil,
        output: Money, effectiveFrom: Date, maxOutputTokens: Int? = nil, source: String = ""
    ) {
        self.init(
            model: model, provider: provider,
            rates: Rates(input: input, cachedInput: cachedInput, cacheWrite: cacheWrite, output: output),
            effectiveFrom: effectiveFrom, maxOutputTokens: maxOutputTokens, source: source)
    }

    public var input: Money { rates.input }
    public var cachedInput: Money { rates.cachedInput }
    public var cacheWrite: Money { rates.cacheWrite }
    public var output: Money { rates.output }

    /// Service tier names that mean the standard rates.
    public static let standardServiceTiers: Set<String> = ["default", "standard", "auto", "on_demand"]

    /// Whether the model is retired at `date`.
    public func isRetired(at date: Date) -> Bool {
        retiredFrom.map { $0 <= date } ?? false
    }

    /// The standard rates and their prompt-length bands.
    public var standard: RateCard { RateCard(rates: rates, tiers: tiers) }

    /// The rate card a request is billed at: its service tier's, else the standard one. An
    /// unknown service tier is billed at the standard rates (see `canPrice`).
    public func card(serviceTier: String?) -> RateCard {
        serviceTier.flatMap { serviceTiers[$0] } ?? standard
    }

    /// The rates a request is billed at: the band its prompt falls in, on its service tier's card.
    public func rates(promptTokens: Int, serviceTier: String?) -> Rates {
        if let serviceTier, let card = serviceTiers[serviceTier] { return card.rates(promptTokens: promptTokens) }
        return tiers.last { promptTokens > $0.aboveInputTokens }?.rates ?? rates
    }

    /// Whether a request asking for `serviceTier` can be priced exactly.
    public func canPrice(serviceTier: String) -> Bool {
        Self.standardServiceTiers.contains(serviceTier) || serviceTiers[serviceTier] != nil
    }

    /// Whether every rate has at most six decimals (what the 12-place cost keeps exact).
    public var hasExactRates: Bool {
        standard.isExact && serviceTiers.values.allSatisfy(\.isExact)
    }

    /// The exact cost of `usage` served in `mode`, rounded to `Money.costScale` places.
    public func cost(for usage: TokenUsage, mode: BillingMode = .standard) -> Money {
        rates(promptTokens: usage.input, serviceTier: mode.serviceTier).cost(for: usage, thinking: mode.thinking)
    }
}
