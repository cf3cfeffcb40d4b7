import Foundation
import Pricing

/// "What would this traffic have cost on another model?": stored token buckets priced at another
/// model's rates. Buckets the other model has no rate for are named, never priced at zero.
public enum WhatIf {
    /// Stored usage of one served model, one service tier and thinking mode, and one prompt band
    /// of the model asked about (so a price with prompt-length bands prices each call in its band).
    public struct Group: Sendable, Equatable {
        public var servedModel: String
        public var provider: String
        public var serviceTier: String?
        public var thinking: Bool
        /// How many of the target's band thresholds the calls' prompts are above.
        public var band: Int
        public var requests: Int
        public var usage: TokenUsage
        /// What the calls cost, as billed (priced calls only).
        public var cost: Money
        public var unpricedRequests: Int

        public init(servedModel: String, provider: String, serviceTier: String?, thinking: Bool, band: Int, requests: Int,
                    usage: TokenUsage, cost: Money, unpricedRequests: Int) {
            self.servedModel = servedModel
            self.provider = provider
            self.serviceTier = serviceTier
            self.thinking = thinking
            self.band = band
            self.requests = requests
            self.usage = usage
            self.cost = cost
            self.unpricedRequests = unpricedRequests
        }
    }

    /// A bucket the other model cannot price, with the tokens it holds.
    public struct Unpriced: Sendable, Equatable {
        public var bucket: String
        public var tokens: Int
        public var reason: String
    }

    /// One served model's traffic: what it cost and what it would have cost.
    public struct Line: Sendable, Equatable {
        public var servedModel: String
        public var provider: String
        public var requests = 0
        public var usage = TokenUsage()
        public var cost = Money.zero
        public var unpricedRequests = 0
        public var whatIfCost = Money.zero
    }

    public struct Result: Sendable, Equatable {
        public var lines: [Line]
        public var unpriced: [Unpriced]

        public var requests: Int { lines.reduce(0) { $0 + $1.requests } }
        public var cost: Money { lines.reduce(.zero) { $0 + $1.cost } }
        public var whatIfCost: Money { lines.reduce(.zero) { $0 + $1.whatIfCost } }
        public var unpricedRequests: Int { lines.reduce(0) { $0 + $1.unpricedRequests } }
    }

    /// The target's band thresholds (standard and service tiers'), ascending: the store groups
    /// calls by how many of them their prompt is above.
    public static func thresholds(of price: ModelPrice) -> [Int] {
        let all = price.tiers.map(\.aboveInputTokens) + price.serviceTiers.values.flatMap { $0.tiers.map(\.aboveInputTokens) }
        return Array(Set(all)).sorted()
    }

    /// Prices `groups` at `price`, which must be the model's price in force when asked about.
    public static func price(_ groups: [Group], at price: ModelPrice) -> Result {
        let thresholds = thresholds(of: price)
        var lines: [String: Line] = [:]
        var unpriced: [String: Unpriced] = [:]
        func unprice(_ bucket: String, _ tokens: Int, _ reason: String) {
            guard tokens > 0 else { return }
            unpriced[bucket, default: Unpriced(bucket: bucket, tokens: 0, reason: reason)].tokens += tokens
        }
        for group in groups {
            let key = group.servedModel + "\u{0}" + group.provider
            var line = lines[key] ?? Line(servedModel: group.servedModel, provider: group.provider)
            line.requests += group.requests
            line.usage = line.usage.adding(group.usage)
            line.cost += group.cost
            line.unpricedRequests += group.unpricedRequests
            // A prompt in band k is above k thresholds: the smallest such prompt picks its rates.
            let prompt = group.band == 0 ? 0 : thresholds[min(group.band, thresholds.count) - 1].saturatingAdd(1)
            var usage = group.usage
            // A service tier the other model does not offer is priced at its standard rates, as
            // a call asking it for that tier would be.
            let tier = group.serviceTier.flatMap { price.canPrice(serviceTier: $0) ? $0 : nil }
            let rates = price.rates(promptTokens: prompt, serviceTier: tier)
            if usage.cacheWrite1h > 0, !rates.publishesCacheWrite1h {
                unprice("cache_write_1h", usage.cacheWrite1h, "\(price.model) publishes no 1-hour cache write rate")
                usage.cacheWrite1h = 0
            }
            // Thinking output takes the plain output rate where the other model bills it alike.
            line.whatIfCost += rates.cost(for: usage, thinking: group.thinking)
            lines[key] = line
        }
        return Result(lines: lines.values.sorted { ($0.servedModel, $0.provider) < ($1.servedModel, $1.provider) },
                      unpriced: unpriced.values.sorted { $0.bucket < $1.bucket })
    }
}

/// Reads the usage a what-if prices.
public protocol WhatIfStore: Sendable {
    /// The stored usage in `[from, to)` matching the filters, grouped as `WhatIf.Group` is, with
    /// prompts banded by `thresholds`.
    func whatIfGroups(from: Date, to: Date, task: String?, teamID: UUID?, keyID: UUID?, thresholds: [Int]) async throws -> [WhatIf.Group]
}

extension TokenUsage {
    /// The buckets of both, each summed (saturating).
    func adding(_ other: TokenUsage) -> TokenUsage {
        TokenUsage(
            uncachedInput: uncachedInput.saturatingAdd(other.uncachedInput), cacheRead: cacheRead.saturatingAdd(other.cacheRead),
            cacheWrite: cacheWrite.saturatingAdd(other.cacheWrite), cacheWrite1h: cacheWrite1h.saturatingAdd(other.cacheWrite1h),
            output: output.saturatingAdd(other.output), reasoning: reasoning.saturatingAdd(other.reasoning))
    }
}
