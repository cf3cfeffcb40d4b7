import Foundation
import Testing
@testable import Pricing

/// The December 2026 catalogue's billing rules, priced from `pricing/` as compiled in, each row
/// with its arithmetic by hand (USD per 1M tokens × tokens / 1,000,000).
@Suite struct CatalogueBillingTests {
    static let table: PriceTable = {
        // A test that cannot load the catalogue fails in `price` below, naming the model.
        PriceTable((try? PriceTable.builtIn()) ?? [])
    }()

    static func cost(_ model: String, on day: String, _ usage: TokenUsage, tier: String? = nil, thinking: Bool = false) throws -> String {
        let date = try #require(PriceEntry.parseDay(day))
        let price = try #require(table.price(for: model, at: date), "\(model) has no price on \(day)")
        return price.cost(for: usage, mode: BillingMode(serviceTier: tier, thinking: thinking)).decimalString
    }

    /// qwen3-max's price rises with the prompt: 0–32K at $1.20 / $6.00, 32K–128K at $2.40 / $12.00,
    /// 128K–252K at $3.00 / $15.00; a prompt is billed wholly at its band, cache hits at 20 %.
    @Test(arguments: [
        (TokenUsage(uncachedInput: 10_000, output: 1_000), "0.018"),  // 10,000 × 1.20 + 1,000 × 6.00
        (TokenUsage(uncachedInput: 32_000), "0.0384"),  // 32,000 × 1.20: the first band's last token
        (TokenUsage(uncachedInput: 32_001), "0.0768024"),  // 32,001 × 2.40
        (TokenUsage(uncachedInput: 50_000, output: 1_000), "0.132"),  // 50,000 × 2.40 + 1,000 × 12.00
        (TokenUsage(uncachedInput: 150_000, cacheRead: 50_000, output: 1_000), "0.495"),  // 150,000 × 3.00 + 50,000 × 0.60 + 1,000 × 15.00
    ])
    func qwen3MaxIsBilledAtTheBandOfItsPrompt(usage: TokenUsage, expected: String) throws {
        #expect(try Self.cost("qwen3-max", on: "2026-12-07", usage) == expected)
    }

    /// qwen-plus bills output in thinking mode at $4.00 (not $1.20), and $12.00 above 256K.
    @Test func qwenPlusThinkingOutputHasItsOwnRate() throws {
        let usage = TokenUsage(uncachedInput: 1_000, output: 2_000)
        #expect(try Self.cost("qwen-plus", on: "2026-12-07", usage) == "0.0028")  // 1,000 × 0.40 + 2,000 × 1.20
        #expect(try Self.cost("qwen-plus", on: "2026-12-07", usage, thinking: true) == "0.0084")  // 1,000 × 0.40 + 2,000 × 4.00
        let long = TokenUsage(uncachedInput: 300_000, output: 2_000)
        #expect(try Self.cost("qwen-plus", on: "2026-12-07", long, thinking: true) == "0.384")  // 300,000 × 1.20 + 2,000 × 12.00
        #expect(try Self.cost("qwen-turbo", on: "2026-12-07", usage, thinking: true) == "0.00105")  // 1,000 × 0.05 + 2,000 × 0.50
    }

    /// GPT-6.2 Sol: Flex halves input, cache reads and output; priority (Fast mode) doubles them;
    /// both keep the 272K band, which doubles input and cache rates and takes output to 1.5×.
    @Test(arguments: [
        (nil, TokenUsage(uncachedInput: 8_000, cacheRead: 2_000, output: 1_000), "0.0262"),  // 8,000 × 2 + 2,000 × 0.10 + 1,000 × 10
        ("flex", TokenUsage(uncachedInput: 8_000, cacheRead: 2_000, output: 1_000), "0.0131"),  // 8,000 × 1 + 2,000 × 0.05 + 1,000 × 5
        ("priority", TokenUsage(uncachedInput: 8_000, cacheRead: 2_000, output: 1_000), "0.0524"),  // 8,000 × 4 + 2,000 × 0.20 + 1,000 × 20
        ("flex", TokenUsage(uncachedInput: 300_000, output: 1_000), "0.6075"),  // 300,000 × 2 + 1,000 × 7.50
        ("priority", TokenUsage(uncachedInput: 300_000, output: 1_000), "2.43"),  // 300,000 × 8 + 1,000 × 30
        (nil, TokenUsage(cacheWrite: 10_000), "0.025"),  // 30-minute write: 10,000 × 2.50
        (nil, TokenUsage(cacheWrite1h: 10_000), "0.05"),  // 12-hour write: 10,000 × 5.00
    ] as [(String?, TokenUsage, String)])
    func gpt62SolServiceTiers(tier: String?, usage: TokenUsage, expected: String) throws {
        #expect(try Self.cost("gpt-6.2-sol", on: "2026-12-07", usage, tier: tier) == expected)
    }

    @Test func everyCurrentOpenAIModelPricesFlexAndPriority() throws {
        let date = try #require(PriceEntry.parseDay("2026-12-07"))
        for model in ["gpt-6.2-astra", "gpt-6.2-sol", "gpt-6.1-sol", "gpt-6.1-terra", "gpt-6-astra", "gpt-6-sol", "gpt-6-luna", "gpt-5.6-terra", "gpt-5.6-luna"] {
            let price = try #require(Self.table.price(for: model, at: date), "\(model)")
            #expect(price.canPrice(serviceTier: "flex") && price.canPrice(serviceTier: "priority"), "\(model)")
            #expect(price.serviceTiers["flex"]?.rates.input == Money(price.rates.input.amount / 2), "\(model)")
            #expect(price.serviceTiers["priority"]?.rates.output == Money(price.rates.output.amount * 2), "\(model)")
        }
    }

    /// GPT-5.6 Luna cost $1.00 / $6.00 until OpenAI cut it by 80 % on 2026-07-30.
    @Test func gpt56LunaIsPricedOnEachSideOfItsCut() throws {
        let usage = TokenUsage(uncachedInput: 100_000, output: 100_000)
        #expect(try Self.cost("gpt-5.6-luna", on: "2026-07-29", usage) == "0.7")  // 100,000 × 1.00 + 100,000 × 6.00
        #expect(try Self.cost("gpt-5.6-luna", on: "2026-07-30", usage) == "0.14")  // 100,000 × 0.20 + 100,000 × 1.20
        #expect(try Self.cost("gpt-5.6-terra", on: "2026-07-29", usage) == "1.75")  // 100,000 × 2.50 + 100,000 × 15.00
        #expect(try Self.cost("gpt-5.6-terra", on: "2026-07-30", usage) == "1.4")  // 100,000 × 2.00 + 100,000 × 12.00
        // Over 272K the whole request is billed at 2× input and 1.5× output: 300,000 × 2.00 + 0.
        #expect(try Self.cost("gpt-5.6-luna", on: "2026-07-29", TokenUsage(uncachedInput: 300_000)) == "0.6")
    }

    /// Gemini 4 Argon and Carbon leave their introductory rate on 2026-12-01.
    @Test func gemini4ListRatesStartInDecember() throws {
        let usage = TokenUsage(uncachedInput: 1_000_000, cacheRead: 1_000_000, output: 100_000)
        for model in ["gemini-4-argon", "gemini-4-carbon"] {
            #expect(try Self.cost(model, on: "2026-11-20", usage) == "3.1")  // 2.00 + 0.10 + 0.1 × 10
            #expect(try Self.cost(model, on: "2026-12-02", usage) == "6.2")  // 4.00 + 0.20 + 0.1 × 20
        }
        // gemini-3.1-pro-preview: a prompt over 200K is billed wholly at $4.00 / $18.00.
        #expect(try Self.cost("gemini-3.1-pro-preview", on: "2026-12-07", TokenUsage(uncachedInput: 200_001, output: 1_000)) == "0.818004")
    }

    /// Claude Fable 5.2 at $8 / $40 with cache hits at $0.20 and writes at $10 (5 min) and $16 (1 h).
    @Test func claudeFable52() throws {
        let usage = TokenUsage(uncachedInput: 1_000, cacheRead: 100_000, cacheWrite: 10_000, cacheWrite1h: 10_000, output: 2_000)
        // 1,000 × 8 + 100,000 × 0.20 + 10,000 × 10 + 10,000 × 16 + 2,000 × 40 = 0.008 + 0.02 + 0.1 + 0.16 + 0.08
        #expect(try Self.cost("claude-fable-5-2", on: "2026-12-07", usage) == "0.368")
    }

    /// Retired models are retired in the catalogue, and their replacements are current.
    @Test func retirementsOfDecember2026() throws {
        let day = try #require(PriceEntry.parseDay("2026-12-07"))
        for (model, replacement) in [("claude-sonnet-4-5", "claude-sonnet-5-5"), ("gemini-2.5-flash", "gemini-3.5-flash-lite"),
                                     ("gemini-2.5-pro", "gemini-3.8-flash"), ("o4-mini", "gpt-5.6-terra")] {
            let price = try #require(Self.table.price(for: model, at: day))
            #expect(price.isRetired(at: day) && price.replacedBy == replacement, "\(model)")
            let next = try #require(Self.table.price(for: replacement, at: day), "\(replacement)")
            #expect(!next.isRetired(at: day))
        }
        #expect(Self.table.price(for: "claude-sonnet-4-5", at: day)?.maxInputTokens == 200_000)
        // Opus 4.5 is deprecated, still served until 2027-01-22.
        let opus45 = try #require(Self.table.price(for: "claude-opus-4-5", at: day))
        #expect(!opus45.isRetired(at: day) && opus45.replacedBy == "claude-opus-5-5")
    }
}
