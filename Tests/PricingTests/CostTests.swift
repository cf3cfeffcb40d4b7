import Foundation
import Testing
@testable import Pricing

@Suite struct CostTests {
    static let day = PriceFile.parseDay("2025-01-01")!

    static func price(_ input: String, cached: String? = nil, write: String? = nil, output: String) -> ModelPrice {
        ModelPrice(model: "m", provider: "p", input: Money(input)!, cachedInput: cached.flatMap(Money.init),
                   cacheWrite: write.flatMap(Money.init), output: Money(output)!, effectiveFrom: day)
    }

    /// (price, usage, expected cost) worked by hand: price per 1M tokens × tokens / 1,000,000.
    static let cases: [(ModelPrice, TokenUsage, String)] = [
        // gpt-4o: 4 × 2.50 + 3 × 1.25 + 12 × 10.00 = 133.75 per 1M
        (price("2.50", cached: "1.25", output: "10.00"), TokenUsage(uncachedInput: 4, cacheRead: 3, output: 12), "0.00013375"),
        // claude-sonnet-4: 100 × 3 + 2000 × 0.30 + 500 × 3.75 + 80 × 15 = 3975 per 1M
        (price("3.00", cached: "0.30", write: "3.75", output: "15.00"),
         TokenUsage(uncachedInput: 100, cacheRead: 2000, cacheWrite: 500, output: 80), "0.003975"),
        // gpt-4o-mini, one token of each: 0.15 + 0.60 = 0.75 per 1M
        (price("0.15", cached: "0.075", output: "0.60"), TokenUsage(uncachedInput: 1, output: 1), "0.00000075"),
        // gpt-5-nano cached: 0.005 per 1M for one token = 0.000000005
        (price("0.05", cached: "0.005", output: "0.40"), TokenUsage(cacheRead: 1), "0.000000005"),
        // no cached price: cached tokens cost the input price
        (price("2.00", output: "8.00"), TokenUsage(uncachedInput: 10, cacheRead: 10), "0.00004"),
        // a million output tokens cost exactly the output price
        (price("1.10", cached: "0.275", output: "4.40"), TokenUsage(output: 1_000_000), "4.4"),
        // reasoning is part of output and is not priced again
        (price("1.25", cached: "0.125", output: "10.00"), TokenUsage(uncachedInput: 10, output: 20, reasoning: 10), "0.0002125"),
        (price("2.50", output: "10.00"), .zero, "0"),
    ]

    @Test(arguments: cases)
    func costIsExactToTheLastDecimal(price: ModelPrice, usage: TokenUsage, expected: String) {
        #expect(price.cost(for: usage).decimalString == expected)
    }

    @Test(arguments: cases)
    func theIntegerAndDecimalWaysAgree(price: ModelPrice, usage: TokenUsage, expected: String) {
        #expect(price.hasExactRates)
        // A seventh decimal forces the all-Decimal way; take it back out of the expectation.
        let slow = ModelPrice(model: "m", provider: "p", input: price.input + Money("0.0000001")!, cachedInput: price.cachedInput,
                              cacheWrite: price.cacheWrite, output: price.output, effectiveFrom: price.effectiveFrom)
        #expect(!slow.hasExactRates)
        let extra = Money(Decimal(usage.uncachedInput) * Decimal(string: "0.0000001")! / 1_000_000).rounded()
        #expect(slow.cost(for: usage) == (price.cost(for: usage) + extra).rounded())
    }

    @Test func sumsOfManyCostsStayExact() throws {
        let price = Self.price("0.15", cached: "0.075", output: "0.60")
        var total = Money.zero
        for _ in 0..<1000 { total += price.cost(for: TokenUsage(uncachedInput: 7, output: 3)) }
        // (7 × 0.15 + 3 × 0.60) / 1M = 0.00000285, a thousand times
        #expect(total.decimalString == "0.00285")
    }
}
