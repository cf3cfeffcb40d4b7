import Foundation

/// One price as text: the form of a `pricing/*.json` entry, of `POST /admin/prices`, and of a
/// stored price. Prices are decimal strings in USD per 1M tokens, so no binary floating point ever
/// touches them; `price(defaultProvider:defaultSource:)` validates and converts.
///
/// ```json
/// {"model": "claude-haiku-5-5", "input": "0.10", "cached_input": "0.01", "cache_write": "0.125",
///  "cache_write_1h": "0.20", "output": "0.50", "effective_from": "2026-10-07",
///  "tiers": [{"above_input_tokens": 100000, "input": "0.50", "output": "2.50"}],
///  "max_input_tokens": 1000000, "max_output_tokens": 128000, "source": "https://…"}
/// ```
public struct PriceEntry: Codable, Sendable, Hashable {
    /// Rates of a band or a service tier; a service tier may have prompt-length bands of its own.
    public struct RateSet: Codable, Sendable, Hashable {
        public var input: String
        public var cached_input: String?
        public var cache_write: String?
        public var cache_write_1h: String?
        public var output: String
        public var thinking_output: String?
        /// A service tier's prompt-length bands (unused inside a band).
        public var tiers: [Tier]?

        public init(input: String, cached_input: String? = nil, cache_write: String? = nil, cache_write_1h: String? = nil,
                    output: String, thinking_output: String? = nil, tiers: [Tier]? = nil) {
            self.input = input
            self.cached_input = cached_input
            self.cache_write = cache_write
            self.cache_write_1h = cache_write_1h
            self.output = output
            self.thinking_output = thinking_output
            self.tiers = tiers
        }
    }

    public struct Tier: Codable, Sendable, Hashable {
        public var above_input_tokens: Int
        public var input: String
        public var cached_input: String?
        public var cache_write: String?
        public var cache_write_1h: String?
        public var output: String
        public var thinking_output: String?

        var rateSet: RateSet {
            RateSet(input: input, cached_input: cached_input, cache_write: cache_write, cache_write_1h: cache_write_1h,
                    output: output, thinking_output: thinking_output)
        }
    }

    public var model: String
    /// Required in `POST /admin/prices`; a file names it once for all its entries.
    public var provider: String?
    public var input: String
    public var cached_input: String?
    public var cache_write: String?
    public var cache_write_1h: String?
    public var output: String
    public var thinking_output: String?
    public var effective_from: String
    public var tiers: [Tier]?
    public var service_tiers: [String: RateSet]?
    public var max_input_tokens: Int?
    public var max_output_tokens: Int?
    /// false when the model takes no images (routing skips it for such requests); nil unknown.
    public var supports_images: Bool?
    /// false when the model takes no tools; nil unknown.
    public var supports_tools: Bool?
    public var retired_from: String?
    public var replaced_by: String?
    public var source: String?

    public init(model: String, provider: String?, input: String, output: String, effective_from: String) {
        self.model = model
        self.provider = provider
        self.input = input
        self.output = output
        self.effective_from = effective_from
    }

    /// The validated price; throws `PricingError` naming the field that is wrong.
    public func price(defaultProvider: String? = nil, defaultSource: String = "") throws -> ModelPrice {
        let name = model
        guard !model.isEmpty, model.count <= 200, !model.contains(where: { $0.isWhitespace || $0 == "\0" }) else {
            throw PricingError("model '\(model)' must be 1 to 200 characters without spaces", field: "model")
        }
        guard let provider = provider ?? defaultProvider, !provider.isEmpty else {
            throw PricingError("\(name): provider is required", field: "provider")
        }
        guard let effectiveFrom = Self.parseDay(effective_from) else {
            throw PricingError("\(name).effective_from '\(effective_from)' is not YYYY-MM-DD", field: "effective_from")
        }
        let base = RateSet(input: input, cached_input: cached_input, cache_write: cache_write, cache_write_1h: cache_write_1h,
                           output: output, thinking_output: thinking_output)
        let rates = try Self.rates(base, at: name)
        let tiers = try Self.bands(tiers ?? [], at: name, prefix: "")
        var serviceTiers: [String: RateCard] = [:]
        for (tier, set) in service_tiers ?? [:] {
            guard !tier.isEmpty, tier.count <= 40, tier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw PricingError("\(name).service_tiers: '\(tier)' is not a service tier name", field: "service_tiers")
            }
            guard !ModelPrice.standardServiceTiers.contains(tier) else {
                throw PricingError(
                    "\(name).service_tiers: '\(tier)' names the standard rates, which the entry's own fields give", field: "service_tiers")
            }
            let path = "\(name).service_tiers.\(tier)", prefix = "service_tiers.\(tier)."
            serviceTiers[tier] = RateCard(
                rates: try Self.rates(set, at: path, prefix: prefix), tiers: try Self.bands(set.tiers ?? [], at: path, prefix: prefix))
        }
        for (field, value) in [("max_input_tokens", max_input_tokens), ("max_output_tokens", max_output_tokens)] {
            if let value, !(1...1_000_000_000).contains(value) {
                throw PricingError("\(name).\(field) \(value) must be 1…1000000000", field: field)
            }
        }
        var retiredFrom: Date?
        if let retired_from {
            guard let day = Self.parseDay(retired_from) else {
                throw PricingError("\(name).retired_from '\(retired_from)' is not YYYY-MM-DD", field: "retired_from")
            }
            retiredFrom = day
        }
        if let replaced_by, replaced_by.isEmpty || replaced_by == model {
            throw PricingError("\(name).replaced_by must name another model", field: "replaced_by")
        }
        var price = ModelPrice(
            model: model, provider: provider, rates: rates, tiers: tiers, serviceTiers: serviceTiers, effectiveFrom: effectiveFrom,
            maxInputTokens: max_input_tokens, maxOutputTokens: max_output_tokens, retiredFrom: retiredFrom, replacedBy: replaced_by,
            source: source ?? defaultSource)
        price.supportsImages = supports_images
        price.supportsTools = supports_tools
        return price
    }

    /// Prompt-length bands, validated: thresholds in range and listed in ascending order, so no
    /// two bands overlap and a reader sees them as they apply.
    static func bands(_ bands: [Tier], at path: String, prefix: String) throws -> [ModelPrice.PromptTier] {
        var previous = 0
        return try bands.map { band in
            let above = band.above_input_tokens
            guard above > 0, above <= 1_000_000_000 else {
                throw PricingError("\(path).tiers.above_input_tokens \(above) must be 1…1000000000", field: prefix + "tiers.above_input_tokens")
            }
            guard above > previous else {
                let problem = above == previous ? "has two bands above \(above) input tokens" : "lists the band above \(above) after the one above \(previous)"
                throw PricingError("\(path).tiers \(problem): list bands in ascending order, each once", field: prefix + "tiers")
            }
            previous = above
            return ModelPrice.PromptTier(
                aboveInputTokens: above, rates: try Self.rates(band.rateSet, at: "\(path).tiers[\(above)]", prefix: prefix + "tiers."))
        }
    }

    /// `path` names the rates in messages (`gpt-4o.tiers[200000]`), `prefix` in `field`
    /// (`tiers.`, `service_tiers.priority.`).
    static func rates(_ set: RateSet, at path: String, prefix: String = "") throws -> Rates {
        func money(_ text: String?, _ field: String) throws -> Money? {
            guard let text else { return nil }
            guard let value = Money(text), value >= .zero, value.amount < 1_000_000 else {
                throw PricingError("\(path).\(field) '\(text)' is not a non-negative decimal string below 1000000", field: prefix + field)
            }
            if let fraction = text.split(separator: ".").dropFirst().first, fraction.count > 6 {
                throw PricingError(
                    "\(path).\(field) '\(text)' has more than six decimals (USD per 1M tokens); costs keep 12 places, exact only for six",
                    field: prefix + field)
            }
            return value
        }
        return Rates(
            input: try money(set.input, "input")!, cachedInput: try money(set.cached_input, "cached_input"),
            cacheWrite: try money(set.cache_write, "cache_write"), cacheWrite1h: try money(set.cache_write_1h, "cache_write_1h"),
            output: try money(set.output, "output")!, thinkingOutput: try money(set.thinking_output, "thinking_output"))
    }

    /// Parses `YYYY-MM-DD` as UTC midnight.
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: utcCalendar) else { return nil }
        return utcCalendar.date(from: components)
    }

    /// `YYYY-MM-DD` of a UTC day.
    public static func dayString(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
