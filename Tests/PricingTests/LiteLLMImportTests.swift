import Foundation
import Testing
@testable import Pricing

/// The LiteLLM importer on a fixture in LiteLLM's published format: per-token floats become exact
/// rates per 1M tokens, with bands, cache classes and service tiers.
@Suite struct LiteLLMImportTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/litellm-prices.json")

    static func imported() throws -> LiteLLMImport.Result {
        try LiteLLMImport.read(try Data(contentsOf: fixture), effectiveFrom: "2026-12-03")
    }

    static func entry(_ model: String) throws -> PriceEntry {
        try #require(try imported().imported.first { $0.entry.model == model }?.entry)
    }

    @Test func ratesAreExactPerMillionTokens() throws {
        let gpt4o = try Self.entry("gpt-4o")
        #expect((gpt4o.provider, gpt4o.input, gpt4o.cached_input, gpt4o.output) == ("openai", "2.5", "1.25", "10"))
        #expect(gpt4o.service_tiers?["priority"] == PriceEntry.RateSet(input: "4.25", cached_input: "2.125", output: "17"))
        #expect(gpt4o.max_input_tokens == 128_000 && gpt4o.max_output_tokens == 16_384)
        let flex = try Self.entry("gpt-9").service_tiers?["flex"]
        #expect(flex == PriceEntry.RateSet(input: "0.625", cached_input: "0.0625", output: "5"))
        // Every imported entry is a valid price entry.
        for item in try Self.imported().imported { _ = try item.entry.price() }
    }

    @Test func bandsAndCacheClassesAreRead() throws {
        let sonnet = try Self.entry("claude-sonnet-9")
        #expect((sonnet.cache_write, sonnet.cache_write_1h) == ("3.75", "6"))
        let tier = try #require(sonnet.tiers?.first)
        #expect(tier.above_input_tokens == 200_000)
        #expect((tier.input, tier.cached_input, tier.cache_write, tier.cache_write_1h, tier.output) == ("6", "0.6", "7.5", "12", "22.5"))
        #expect(sonnet.retired_from == "2027-06-01")
        let gemini = try Self.entry("gemini-9-pro")
        #expect(gemini.provider == "gemini" && gemini.tiers?.first?.input == "2.5")
    }

    @Test func otherProvidersAndModesAreSkippedAndRoundingIsReported() throws {
        let result = try Self.imported()
        #expect(Set(result.imported.map(\.entry.model)) == ["gpt-4o", "gpt-9", "claude-sonnet-9", "gemini-9-pro", "qwen-odd", "qwen-banded"])
        #expect(result.skipped == 3)  // sample_spec, dall-e-3, bedrock
        let odd = try #require(result.imported.first { $0.entry.model == "qwen-odd" })
        #expect(odd.entry.provider == "qwen" && odd.entry.input == "0.333333" && odd.rounded == ["input"])
    }

    @Test func theComparisonSaysWhatWouldBeAddedOrChanged() throws {
        let day = PriceEntry.parseDay("2025-01-01")!
        let table = PriceTable([
            ModelPrice(model: "gpt-4o", provider: "openai", rates: Rates(input: Money("2.5")!, cachedInput: Money("1.25")!, output: Money("10")!),
                       serviceTiers: ["priority": RateCard(rates: Rates(input: Money("4.25")!, cachedInput: Money("2.125")!, output: Money("17")!))],
                       effectiveFrom: day),
            ModelPrice(model: "gpt-9", provider: "openai", input: Money("2")!, output: Money("8")!, effectiveFrom: day),
        ])
        let changes = LiteLLMImport.compare(try Self.imported(), with: table)
        var added: [String] = [], changed: [String] = [], unchanged = 0
        for change in changes {
            switch change {
            case .added(let item): added.append(item.entry.model)
            case .changed(let item, _): changed.append(item.entry.model)
            case .unchanged: unchanged += 1
            }
        }
        #expect(unchanged == 1)
        #expect(changed == ["gpt-9"])
        #expect(Set(added) == ["claude-sonnet-9", "gemini-9-pro", "qwen-odd", "qwen-banded"])
        // Written files load as price files.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (provider, text) in try LiteLLMImport.files(try Self.imported().imported.map(\.entry), source: "test") {
            try text.write(toFile: directory + "/\(provider).json", atomically: true, encoding: .utf8)
        }
        #expect(try PriceTable.files(in: directory).count == 6)
    }

    /// DashScope's entries spell bands as `tiered_pricing` ranges, with a thinking rate.
    @Test func tieredPricingRangesBecomeBands() throws {
        let qwen = try Self.entry("qwen-banded")
        #expect((qwen.input, qwen.output, qwen.thinking_output) == ("1.2", "6", "24"))
        #expect(qwen.tiers?.map(\.above_input_tokens) == [32_000, 128_000])
        #expect(qwen.tiers?.map(\.input) == ["2.4", "3"])
        #expect(qwen.tiers?.map(\.output) == ["12", "15"])
    }

    /// A changed entry lists every figure that differs, cache and band rates included, not only
    /// input and output.
    @Test func aChangeListsEveryFigureThatDiffers() throws {
        let day = PriceEntry.parseDay("2025-01-01")!
        let old = ModelPrice(
            model: "gpt-9", provider: "openai",
            rates: Rates(input: Money("2")!, cachedInput: Money("0.25")!, output: Money("8")!),
            tiers: [.init(aboveInputTokens: 272_000, rates: Rates(input: Money("4")!, cachedInput: Money("0.5")!, output: Money("12")!))],
            effectiveFrom: day)
        var entry = PriceEntry(model: "gpt-9", provider: "openai", input: "2", output: "8", effective_from: "2026-12-03")
        entry.cached_input = "0.20"
        entry.tiers = [.init(above_input_tokens: 272_000, input: "4", cached_input: "0.40", output: "12")]
        entry.service_tiers = ["flex": .init(input: "1", output: "4")]
        let differences = PriceDifference.between(old, and: try entry.price()).map(\.description)
        #expect(differences.prefix(2) == ["cached_input: 0.25 → 0.2", "tiers[272000].cached_input: 0.5 → 0.4"])
        #expect(differences.contains("service_tiers.flex.input: none → 1"))
        #expect(!differences.contains { $0.hasPrefix("input:") || $0.hasPrefix("output:") })
    }
}
