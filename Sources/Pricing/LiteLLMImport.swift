import Foundation

/// Reads LiteLLM's community price map (`model_prices_and_context_window.json`, MIT) into price
/// entries for review: never applied, only compared with the catalogue and written to files a
/// person checks against the provider's page and commits.
///
/// LiteLLM keeps USD per token as JSON floats. Each is read back as the shortest decimal that
/// round-trips (what the file spells, `2.5e-06`) and scaled to USD per 1M tokens exactly
/// (`2.5`); a rate that needs more than six decimals per 1M is rounded to six and reported.
public enum LiteLLMImport {
    /// LiteLLM's provider names → Tollgate's built-in providers.
    static let providers = ["openai": "openai", "anthropic": "anthropic", "gemini": "gemini", "dashscope": "qwen"]

    /// One imported entry and what the import had to approximate.
    public struct Imported: Sendable {
        public var entry: PriceEntry
        /// Rates rounded to six decimals per 1M tokens, by field.
        public var rounded: [String]
    }

    /// What the import found: entries for the four built-in providers, and how many it skipped.
    public struct Result: Sendable {
        public var imported: [Imported]
        /// Entries of other providers or modes (images, audio, rerank…), or without token prices.
        public var skipped: Int
    }

    /// The rates of a LiteLLM entry under a suffix (`""`, `_above_200k_tokens`, `_priority`).
    static let rateFields: [(litellm: String, tollgate: String)] = [
        ("input_cost_per_token", "input"), ("cache_read_input_token_cost", "cached_input"),
        ("cache_creation_input_token_cost", "cache_write"), ("cache_creation_input_token_cost_above_1hr", "cache_write_1h"),
        ("output_cost_per_token", "output"), ("output_cost_per_reasoning_token", "thinking_output"),
    ]

    /// One range of a `tiered_pricing` list: prompts of `start` tokens and more.
    struct Range {
        var start: Int
        var rates: [String: Any]

        init?(_ object: [String: Any]) {
            guard let bounds = object["range"] as? [NSNumber], let first = bounds.first,
                  first.doubleValue >= 0, first.doubleValue <= 1_000_000_000
            else { return nil }
            start = Int(first.doubleValue)
            rates = object.filter { $0.key != "range" }
        }
    }

    public static func read(_ data: Data, effectiveFrom: String) throws -> Result {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PricingError("not LiteLLM's price map: the file must be one JSON object of model entries")
        }
        var imported: [Imported] = []
        var skipped = 0
        for (key, value) in root.sorted(by: { $0.key < $1.key }) {
            guard var spec = value as? [String: Any], let litellmProvider = spec["litellm_provider"] as? String,
                  let provider = providers[litellmProvider], ["chat", "embedding", nil].contains(spec["mode"] as? String)
            else {
                skipped += 1
                continue
            }
            // DashScope's entries carry their rates as `tiered_pricing` ranges instead.
            let ranges = (spec["tiered_pricing"] as? [[String: Any]] ?? []).compactMap(Range.init)
            if spec["input_cost_per_token"] == nil, let first = ranges.first(where: { $0.start == 0 }) {
                spec.merge(first.rates) { own, _ in own }
            }
            guard spec["input_cost_per_token"] != nil else {
                skipped += 1
                continue
            }
            let model = key.split(separator: "/").last.map(String.init) ?? key
            var rounded: [String] = []
            func rate(_ field: String, label: String) -> String? {
                guard let number = spec[field] as? NSNumber else { return nil }
                let (text, wasRounded) = perMillion(number)
                if wasRounded { rounded.append(label) }
                return text
            }
            func rates(suffix: String) -> PriceEntry.RateSet? {
                var values: [String: String] = [:]
                for (litellm, tollgate) in rateFields {
                    // The 1-hour write of a band is spelled …_above_1hr_above_200k_tokens.
                    if let value = rate(litellm + suffix, label: tollgate + suffix) { values[tollgate] = value }
                }
                guard let input = values["input"], let output = values["output"] else { return nil }
                return PriceEntry.RateSet(input: input, cached_input: values["cached_input"], cache_write: values["cache_write"],
                                          cache_write_1h: values["cache_write_1h"], output: output, thinking_output: values["thinking_output"])
            }
            guard let base = rates(suffix: "") else {
                skipped += 1
                continue
            }
            var entry = PriceEntry(model: model, provider: provider, input: base.input, output: base.output, effective_from: effectiveFrom)
            entry.cached_input = base.cached_input
            entry.cache_write = base.cache_write
            entry.cache_write_1h = base.cache_write_1h
            entry.thinking_output = base.thinking_output
            // Prompt bands: input_cost_per_token_above_200k_tokens and its siblings, or the
            // tiered_pricing ranges that start above zero.
            for band in ranges where band.start > 0 {
                for (key, value) in band.rates { spec[key + "_above_\(band.start)_tokens_range"] = value }
            }
            let thresholds = Set(spec.keys.compactMap(threshold(in:))).sorted()
            let bands = thresholds.map { ($0, "_above_\($0 / 1000)k_tokens") } + ranges.filter { $0.start > 0 }.map { ($0.start, "_above_\($0.start)_tokens_range") }
            let tiers = bands.sorted { $0.0 < $1.0 }.compactMap { tokens, suffix -> PriceEntry.Tier? in
                guard let set = rates(suffix: suffix) else { return nil }
                return PriceEntry.Tier(above_input_tokens: tokens, input: set.input, cached_input: set.cached_input,
                                       cache_write: set.cache_write, cache_write_1h: set.cache_write_1h, output: set.output,
                                       thinking_output: set.thinking_output)
            }
            if !tiers.isEmpty { entry.tiers = tiers }
            var serviceTiers: [String: PriceEntry.RateSet] = [:]
            for tier in ["priority", "flex"] {
                if let set = rates(suffix: "_" + tier) { serviceTiers[tier] = set }
            }
            if !serviceTiers.isEmpty { entry.service_tiers = serviceTiers }
            entry.max_input_tokens = (spec["max_input_tokens"] as? NSNumber)?.intValue
            entry.max_output_tokens = (spec["max_output_tokens"] as? NSNumber)?.intValue
            if let deprecation = spec["deprecation_date"] as? String, PriceEntry.parseDay(deprecation) != nil {
                entry.retired_from = deprecation
            }
            entry.source = "LiteLLM model_prices_and_context_window.json (\(key)); check against the provider's pricing page"
            imported.append(Imported(entry: entry, rounded: rounded))
        }
        return Result(imported: imported, skipped: skipped)
    }

    /// `input_cost_per_token_above_200k_tokens` → 200000.
    static func threshold(in key: String) -> Int? {
        guard key.hasPrefix("input_cost_per_token_above_"), key.hasSuffix("k_tokens") else { return nil }
        let digits = key.dropFirst("input_cost_per_token_above_".count).dropLast("k_tokens".count)
        guard let thousands = Int(digits), thousands > 0, thousands <= 1_000_000 else { return nil }
        return thousands * 1000
    }

    /// USD per token (a float) as USD per 1M tokens, exactly when six decimals hold it.
    static func perMillion(_ number: NSNumber) -> (text: String, rounded: Bool) {
        let shortest = "\(number.doubleValue)"
        var value = (Decimal(string: shortest, locale: Locale(identifier: "en_US_POSIX")) ?? 0) * 1_000_000
        var six = Decimal()
        NSDecimalRound(&six, &value, 6, .plain)
        return (plain(six), six != value)
    }

    /// A decimal as plain digits (`0.000125`, never `1.25e-4`).
    static func plain(_ value: Decimal) -> String {
        let text = value.description
        return text.contains("e") || text.contains("E") ? String(format: "%.6f", NSDecimalNumber(decimal: value).doubleValue) : text
    }

    /// How an imported entry compares with the catalogue.
    public enum Change: Sendable {
        case added(Imported)
        case changed(Imported, was: ModelPrice)
        case unchanged
    }

    /// Compares each imported entry with the price in force for its model.
    public static func compare(_ result: Result, with table: PriceTable) -> [Change] {
        result.imported.map { item in
            guard let current = table.price(for: item.entry.model) else { return .added(item) }
            guard let price = try? item.entry.price() else { return .added(item) }
            return PriceDifference.between(current, and: price).isEmpty ? .unchanged : .changed(item, was: current)
        }
    }

    /// The entries as `pricing/<provider>.json` files' text, by provider.
    public static func files(_ entries: [PriceEntry], source: String) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var files: [String: String] = [:]
        for (provider, group) in Dictionary(grouping: entries, by: { $0.provider ?? "unknown" }) {
            let lines = try group.sorted { $0.model < $1.model }.map { entry -> String in
                var entry = entry
                entry.provider = nil
                return "    " + String(decoding: try encoder.encode(entry), as: UTF8.self)
            }
            files[provider] = """
                {
                  "provider": "\(provider)",
                  "currency": "USD",
                  "unit": "per 1M tokens",
                  "source": "\(source)",
                  "models": [
                \(lines.joined(separator: ",\n"))
                  ]
                }

                """
        }
        return files
    }
}
