/// One billing figure that differs between two prices of a model, for a reviewer:
/// `tiers[272000].cached_input: 0.20 → 0.25`.
public struct PriceDifference: Sendable, Hashable, CustomStringConvertible {
    /// The figure's path in a price entry: `output`, `tiers[272000].input`,
    /// `service_tiers.flex.tiers[272000].output`.
    public var field: String
    /// The old and new figures, in USD per 1M tokens; nil where the price has no such band or tier.
    public var old: String?
    public var new: String?

    public var description: String { "\(field): \(old ?? "none") → \(new ?? "none")" }

    /// Every figure that differs between `old` and `new`, in a stable order: the standard rates,
    /// their bands, then each service tier's rates and bands.
    public static func between(_ old: ModelPrice, and new: ModelPrice) -> [PriceDifference] {
        let before = figures(of: old), after = figures(of: new)
        return Set(before.map(\.0) + after.map(\.0)).sorted { order(before + after, $0) < order(before + after, $1) }
            .compactMap { field in
                let was = before.first { $0.0 == field }?.1, now = after.first { $0.0 == field }?.1
                return was == now ? nil : PriceDifference(field: field, old: was, new: now)
            }
    }

    /// The figures of a price by field, in the order a price entry lists them. Each rate is the
    /// one the price bills at: an unpublished rate shows the rate that stands in for it.
    static func figures(of price: ModelPrice) -> [(String, String)] {
        var figures = card(price.standard, prefix: "")
        for name in price.serviceTiers.keys.sorted() {
            figures += card(price.serviceTiers[name]!, prefix: "service_tiers.\(name).")
        }
        return figures
    }

    static func card(_ card: RateCard, prefix: String) -> [(String, String)] {
        var figures = rates(card.rates, prefix: prefix)
        for band in card.tiers {
            figures += rates(band.rates, prefix: prefix + "tiers[\(band.aboveInputTokens)].")
        }
        return figures
    }

    static func rates(_ rates: Rates, prefix: String) -> [(String, String)] {
        [("input", rates.input), ("cached_input", rates.cachedInput), ("cache_write", rates.cacheWrite),
         ("cache_write_1h", rates.cacheWrite1h), ("output", rates.output), ("thinking_output", rates.thinkingOutput)]
            .map { (prefix + $0.0, $0.1.decimalString) }
    }

    private static func order(_ figures: [(String, String)], _ field: String) -> Int {
        figures.firstIndex { $0.0 == field } ?? Int.max
    }
}
