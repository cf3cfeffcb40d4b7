import Foundation
import Testing
@testable import Pricing

/// Each billing rule a price entry can express, with costs worked by hand (rate per 1M tokens ×
/// tokens / 1,000,000).
@Suite struct BillingRuleTests {
    static func entry(_ json: String) throws -> ModelPrice {
        try JSONDecoder().decode(PriceEntry.self, from: Data(json.utf8)).price(defaultProvider: "p")
    }

    /// A Haiku-5.5-like model: $0.10 / $0.50 up to 100,000 prompt tokens, $0.50 / $2.50 above.
    static let tiered = #"""
        {"model": "m", "input": "0.10", "cached_input": "0.01", "cache_write": "0.125", "cache_write_1h": "0.20",
         "output": "0.50", "effective_from": "2026-10-07",
         "tiers": [{"above_input_tokens": 100000, "input": "0.50", "cached_input": "0.05", "cache_write": "0.625",
                    "cache_write_1h": "1.00", "output": "2.50"}]}
        """#

    @Test(arguments: [
        // exactly at the boundary: the lower band. 100,000 × 0.10 + 1,000 × 0.50 = 10,500 per 1M
        (TokenUsage(uncachedInput: 100_000, output: 1_000), "0.0105"),
        // one token over: the whole request at the upper band. 100,001 × 0.50 + 1,000 × 2.50 = 52,500.5
        (TokenUsage(uncachedInput: 100_001, output: 1_000), "0.0525005"),
        // cache reads and writes count towards the prompt: 1 + 50,000 + 50,000 = 100,001 → upper band.
        // 1 × 0.50 + 50,000 × 0.05 + 50,000 × 0.625 + 10 × 2.50 = 0.5 + 2,500 + 31,250 + 25 = 33,775.5
        (TokenUsage(uncachedInput: 1, cacheRead: 50_000, cacheWrite: 50_000, output: 10), "0.0337755"),
        // below: 1,000 × 0.125 (5-minute) + 1,000 × 0.20 (1-hour) + 100 × 0.10 = 125 + 200 + 10 = 335
        (TokenUsage(uncachedInput: 100, cacheWrite: 1_000, cacheWrite1h: 1_000), "0.000335"),
        // above: 60,000 × 1.00 (1-hour) + 50,000 × 0.625 = 60,000 + 31,250 = 91,250
        (TokenUsage(cacheWrite: 50_000, cacheWrite1h: 60_000), "0.09125"),
    ])
    func promptTiersBillTheWholeRequestAtTheBandItsPromptFallsIn(usage: TokenUsage, expected: String) throws {
        #expect(try Self.entry(Self.tiered).cost(for: usage).decimalString == expected)
    }

    @Test func oneHourWritesWithoutTheirOwnRateCostTheFiveMinuteRate() throws {
        let price = try Self.entry(#"{"model": "m", "input": "3", "cache_write": "3.75", "output": "15", "effective_from": "2025-01-01"}"#)
        // 1,000 × 3.75 + 1,000 × 3.75 = 7,500 per 1M
        #expect(price.cost(for: TokenUsage(cacheWrite: 1_000, cacheWrite1h: 1_000)).decimalString == "0.0075")
        #expect(!price.rates.publishesCacheWrite1h)
    }

    static let serviceTiered = #"""
        {"model": "m", "input": "1.25", "cached_input": "0.125", "output": "10.00", "effective_from": "2025-08-07",
         "tiers": [{"above_input_tokens": 272000, "input": "2.50", "output": "20.00"}],
         "service_tiers": {"priority": {"input": "2.50", "cached_input": "0.25", "output": "20.00"},
                           "flex": {"input": "0.625", "cached_input": "0.0625", "output": "5.00"}}}
        """#

    @Test(arguments: [
        // standard: 1,000 × 1.25 + 100 × 0.125 + 500 × 10 = 1,250 + 12.5 + 5,000 = 6,262.5
        (nil, "0.0062625"),
        ("default", "0.0062625"),
        // priority: 1,000 × 2.50 + 100 × 0.25 + 500 × 20 = 2,500 + 25 + 10,000 = 12,525
        ("priority", "0.012525"),
        // flex: 1,000 × 0.625 + 100 × 0.0625 + 500 × 5 = 625 + 6.25 + 2,500 = 3,131.25
        ("flex", "0.00313125"),
    ] as [(String?, String)])
    func serviceTiersAreBilledAtTheTierServed(tier: String?, expected: String) throws {
        let price = try Self.entry(Self.serviceTiered)
        let usage = TokenUsage(uncachedInput: 1_000, cacheRead: 100, output: 500)
        #expect(price.cost(for: usage, mode: BillingMode(serviceTier: tier)).decimalString == expected)
    }

    @Test func aServiceTierTakesPrecedenceOverThePromptBand() throws {
        let price = try Self.entry(Self.serviceTiered)
        let long = TokenUsage(uncachedInput: 300_000, output: 1)
        // standard above 272,000: 300,000 × 2.50 + 1 × 20 = 750,020
        #expect(price.cost(for: long).decimalString == "0.75002")
        // flex has one band: 300,000 × 0.625 + 1 × 5 = 187,505
        #expect(price.cost(for: long, mode: BillingMode(serviceTier: "flex")).decimalString == "0.187505")
        #expect(price.canPrice(serviceTier: "priority"))
        #expect(price.canPrice(serviceTier: "auto"))
        #expect(!price.canPrice(serviceTier: "scale"))
    }

    @Test func thinkingOutputHasItsOwnRatePerBand() throws {
        // A qwen-plus-like model: output $1.20, thinking $4.00; above 128K: $3.60 / $12.00 with input $1.20.
        let price = try Self.entry(#"""
            {"model": "m", "input": "0.40", "output": "1.20", "thinking_output": "4.00", "effective_from": "2025-04-28",
             "tiers": [{"above_input_tokens": 128000, "input": "1.20", "output": "3.60", "thinking_output": "12.00"}]}
            """#)
        let usage = TokenUsage(uncachedInput: 1_000, output: 2_000, reasoning: 1_500)
        // not thinking: 1,000 × 0.40 + 2,000 × 1.20 = 2,800
        #expect(price.cost(for: usage).decimalString == "0.0028")
        // thinking: 1,000 × 0.40 + 2,000 × 4.00 = 8,400
        #expect(price.cost(for: usage, mode: BillingMode(thinking: true)).decimalString == "0.0084")
        // thinking above 128K: 200,000 × 1.20 + 2,000 × 12 = 264,000
        let long = TokenUsage(uncachedInput: 200_000, output: 2_000)
        #expect(price.cost(for: long, mode: BillingMode(thinking: true)).decimalString == "0.264")
        // a model without a thinking rate bills thinking at its output rate
        let plain = try Self.entry(#"{"model": "m", "input": "1", "output": "2", "effective_from": "2025-01-01"}"#)
        #expect(plain.cost(for: TokenUsage(output: 1_000), mode: BillingMode(thinking: true)).decimalString == "0.002")
    }

    @Test func retirementAndLimitsAreRead() throws {
        let price = try Self.entry(#"""
            {"model": "old", "input": "1", "output": "2", "effective_from": "2025-01-01", "retired_from": "2026-06-15",
             "replaced_by": "new", "max_input_tokens": 200000, "max_output_tokens": 64000, "source": "https://example.com/p"}
            """#)
        #expect(price.retiredFrom == PriceEntry.parseDay("2026-06-15"))
        #expect(price.replacedBy == "new")
        #expect(price.maxInputTokens == 200_000 && price.maxOutputTokens == 64_000)
        #expect(!price.isRetired(at: PriceEntry.parseDay("2026-06-14")!))
        #expect(price.isRetired(at: PriceEntry.parseDay("2026-06-15")!))
        #expect(price.source == "https://example.com/p")
    }

    @Test(arguments: [
        (#""tiers": [{"above_input_tokens": 0, "input": "1", "output": "1"}]"#, "above_input_tokens"),
        (#""tiers": [{"above_input_tokens": 5, "input": "1", "output": "1"}, {"above_input_tokens": 5, "input": "2", "output": "2"}]"#, "two bands"),
        (#""service_tiers": {"pri ority": {"input": "1", "output": "1"}}"#, "not a service tier name"),
        (#""service_tiers": {"priority": {"input": "-1", "output": "1"}}"#, "service_tiers.priority.input"),
        (#""cache_write_1h": "1.0000001""#, "more than six decimals"),
        (#""retired_from": "soon""#, "retired_from"),
        (#""replaced_by": "m""#, "replaced_by"),
        (#""max_input_tokens": 0"#, "max_input_tokens"),
    ])
    func badRulesAreRefusedNamingTheField(extra: String, reason: String) throws {
        let json = #"{"model": "m", "input": "1", "output": "1", "effective_from": "2025-01-01", "# + extra + "}"
        #expect {
            try Self.entry(json)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
