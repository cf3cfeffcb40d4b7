import Foundation
import Testing
@testable import Pricing

@Suite struct PriceTableTests {
    static let pricingDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pricing").path

    @Test func theShippedTableLoadsAndCoversEveryProvider() throws {
        let table = try PriceTable.load(directory: Self.pricingDirectory)
        let providers = Set(table.currentPrices().map(\.provider))
        #expect(providers == ["openai", "anthropic", "gemini", "qwen"])
        for model in ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "claude-3-5-haiku", "gemini-2.5-flash", "gemini-2.5-pro", "qwen-plus"] {
            #expect(table.price(for: model) != nil, "no price for \(model)")
        }
        let gpt4o = try #require(table.price(for: "gpt-4o"))
        #expect(gpt4o.input == Money("2.50"))
        #expect(gpt4o.cachedInput == Money("1.25"))
        #expect(gpt4o.output == Money("10.00"))
        #expect(!gpt4o.source.isEmpty)
        let sonnet = try #require(table.price(for: "claude-sonnet-4"))
        #expect(sonnet.cacheWrite == Money("3.75"))
        #expect(sonnet.cachedInput == Money("0.30"))
    }

    @Test func thePriceInForceIsTheLatestEffectiveOne() throws {
        let old = ModelPrice(model: "m", provider: "p", input: Money("2")!, output: Money("8")!, effectiveFrom: PriceFile.parseDay("2025-01-01")!)
        let new = ModelPrice(model: "m", provider: "p", input: Money("1")!, output: Money("4")!, effectiveFrom: PriceFile.parseDay("2025-06-01")!)
        let table = PriceTable([old, new])
        #expect(table.price(for: "m", at: PriceFile.parseDay("2025-03-01")!)?.input == Money("2"))
        #expect(table.price(for: "m", at: PriceFile.parseDay("2025-06-01")!)?.input == Money("1"))
        #expect(table.price(for: "m", at: PriceFile.parseDay("2024-12-31")!) == nil)
        #expect(table.price(for: "other") == nil)
    }

    @Test(arguments: [
        (#"{"model": "m", "input": "-1", "output": "1", "effective_from": "2025-01-01"}"#, "not a non-negative decimal"),
        (#"{"model": "m", "input": "1.5e3", "output": "1", "effective_from": "2025-01-01"}"#, "not a non-negative decimal"),
        (#"{"model": "m", "input": "1", "output": "1", "effective_from": "2025-13-01"}"#, "is not YYYY-MM-DD"),
        (#"{"model": "m", "input": 1.5, "output": "1", "effective_from": "2025-01-01"}"#, "not a price file"),
        (#"{"model": "m", "input": "0.0000001", "output": "1", "effective_from": "2025-01-01"}"#, "more than six decimals"),
    ])
    func invalidFilesAreRefusedWithTheReason(entry: String, reason: String) throws {
        let directory = try Self.directory(with: ["bad.json": #"{"provider": "p", "source": "s", "models": [\#(entry)]}"#])
        #expect {
            try PriceTable.load(directory: directory)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("bad.json")
        }
    }

    @Test func twoPricesForTheSameDayAreRefused() throws {
        let entry = #"{"model": "m", "input": "1", "output": "1", "effective_from": "2025-01-01"}"#
        let directory = try Self.directory(with: ["a.json": #"{"provider": "p", "source": "s", "models": [\#(entry), \#(entry)]}"#])
        #expect(throws: PricingError.self) { try PriceTable.load(directory: directory) }
    }

    @Test func anEmptyDirectoryIsRefused() throws {
        #expect(throws: PricingError.self) { try PriceTable.load(directory: try Self.directory(with: [:])) }
    }

    static func directory(with files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pricing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url.path
    }
}

@Suite struct BuiltInCatalogueTests {
    @Test func theCompiledInCatalogueIsThePricingDirectory() throws {
        let builtIn = PriceTable(try PriceTable.builtIn())
        let files = PriceTable(try PriceTable.files(in: PriceTableTests.pricingDirectory))
        #expect(builtIn.models == files.models)
        for model in files.models {
            #expect(builtIn.price(for: model) == files.price(for: model))
        }
    }

    @Test func filesAddPricesAndReplaceThoseOfTheSameDay() throws {
        let base = try PriceTable.builtIn()
        let gpt4o = try #require(base.first { $0.model == "gpt-4o" })
        let directory = try PriceTableTests.directory(with: ["local.json": #"""
            {"provider": "openai", "source": "contract", "models": [
              {"model": "gpt-4o", "input": "2.00", "output": "8.00", "effective_from": "\#(PriceEntry.dayString(gpt4o.effectiveFrom))"},
              {"model": "my-model", "input": "1", "output": "1", "effective_from": "2025-01-01"}]}
            """#])
        let table = try PriceTable.load(directory: directory)
        #expect(table.price(for: "gpt-4o")?.input == Money("2.00"))
        #expect(table.price(for: "my-model") != nil)
        #expect(table.price(for: "gpt-4o-mini") == (try PriceTable.load(directory: nil)).price(for: "gpt-4o-mini"))
    }
}

/// The current models are priced with their billing rules (the catalogue's own rules are
/// `CatalogueTests`).
@Suite struct CatalogueCurrencyTests {
    @Test func currentModelsArePricedWithTheirBillingRules() throws {
        let table = PriceTable(try PriceTable.builtIn())
        let today = PriceEntry.parseDay("2026-12-03")!
        for model in ["claude-fable-5-1", "claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5", "claude-haiku-5-5", "claude-haiku-4-5", "claude-sonnet-4-6"] {
            let price = try #require(table.price(for: model, at: today), "\(model) has no price")
            #expect(!price.isRetired(at: today))
            #expect(price.rates.publishesCacheWrite1h, "\(model) has no 1-hour write rate")
            #expect(price.cachedInput < price.input)
        }
        for model in ["claude-sonnet-4", "claude-opus-4", "claude-opus-4-1", "o4-mini", "gpt-4.1-nano", "gemini-2.5-pro", "gemini-2.0-flash"] {
            #expect(table.price(for: model, at: today)?.isRetired(at: today) == true, "\(model) should be retired")
        }
        for model in ["gpt-6.1-sol", "gpt-6-sol", "gpt-6-luna", "gpt-5.6-luna"] {
            let price = try #require(table.price(for: model, at: today), "\(model) has no price")
            #expect(!price.isRetired(at: today) && price.tiers.first?.aboveInputTokens == 272_000)
        }
        // Gemini 3.8 Flash: the introductory rate through 2026, the published one from 2027-01-01.
        #expect(table.price(for: "gemini-3.8-flash", at: today)?.input == Money("0.75"))
        #expect(table.price(for: "gemini-3.8-flash", at: PriceEntry.parseDay("2027-01-01")!)?.input == Money("1.50"))
        // gpt-6.1-sol over 272K input tokens: 300,000 × 4.00 + 100 × 15.00, the whole request.
        let sol = try #require(table.price(for: "gpt-6.1-sol", at: today))
        #expect(sol.cost(for: TokenUsage(uncachedInput: 300_000, output: 100)).decimalString == "1.2015")
        // Haiku 5.5 bills a prompt over 100K tokens wholly at its upper band: 100,001 × 0.50 + 10 × 2.50.
        let haiku = try #require(table.price(for: "claude-haiku-5-5", at: today))
        #expect(haiku.cost(for: TokenUsage(uncachedInput: 100_001, output: 10)).decimalString == "0.0500255")
    }
}
