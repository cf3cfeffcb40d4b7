import Foundation
@testable import Metering
import Pricing
import Testing

/// Pricing stored buckets at another model's rates: each call in its prompt band, and a bucket the
/// model has no rate for named, never priced at zero.
@Suite struct WhatIfTests {
    static let banded = ModelPrice(
        model: "m", provider: "p", rates: Rates(input: Money("1")!, cachedInput: Money("0.5")!, output: Money("2")!),
        tiers: [ModelPrice.PromptTier(aboveInputTokens: 1000, rates: Rates(input: Money("2")!, cachedInput: Money("1")!, output: Money("4")!))], effectiveFrom: Date(timeIntervalSince1970: 0))

    static func group(_ model: String, band: Int, usage: TokenUsage, cost: String = "0", tier: String? = nil) -> WhatIf.Group {
        WhatIf.Group(servedModel: model, provider: "x", serviceTier: tier, thinking: false, band: band, requests: 1, usage: usage,
                     cost: Money(cost)!, unpricedRequests: 0)
    }

    @Test func eachCallIsPricedInItsOwnBand() {
        #expect(WhatIf.thresholds(of: Self.banded) == [1000])
        let result = WhatIf.price([
            Self.group("a", band: 0, usage: TokenUsage(uncachedInput: 100, cacheRead: 50, output: 10), cost: "0.001"),
            Self.group("a", band: 1, usage: TokenUsage(uncachedInput: 2000, output: 10), cost: "0.002"),
        ], at: Self.banded)
        // (100 × 1 + 50 × 0.5 + 10 × 2) / 1M + (2000 × 2 + 10 × 4) / 1M
        #expect(result.whatIfCost == Money("0.000145")! + Money("0.00404")!)
        #expect(result.cost == Money("0.003")!)
        #expect(result.lines.count == 1 && result.requests == 2)
        #expect(result.unpriced.isEmpty)
    }

    @Test func aBucketWithoutARateIsNamedNotZeroed() {
        let result = WhatIf.price([Self.group("claude", band: 0, usage: TokenUsage(uncachedInput: 10, cacheWrite1h: 300, output: 5))], at: Self.banded)
        #expect(result.unpriced == [WhatIf.Unpriced(bucket: "cache_write_1h", tokens: 300, reason: "m publishes no 1-hour cache write rate")])
        // The rest is priced: 10 × 1 + 5 × 2.
        #expect(result.whatIfCost == Money("0.00002")!)
    }

    @Test func aServiceTierTheModelLacksIsPricedAtItsStandardRates() {
        let result = WhatIf.price([Self.group("a", band: 0, usage: TokenUsage(uncachedInput: 1000, output: 0), tier: "flex")], at: Self.banded)
        #expect(result.whatIfCost == Money("0.001")!)
    }
}
