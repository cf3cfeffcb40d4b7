/// The OpenAI `usage` object of a completion or embedding, read from or written to JSON.
///
/// `prompt_tokens` includes cached and cache-write tokens; `completion_tokens` includes reasoning.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// `prompt_tokens_details.cached_tokens`: prompt tokens read from the provider's cache.
    public var cachedTokens: Int
    /// `prompt_tokens_details.cache_write_tokens`: prompt tokens written to the provider's cache.
    public var cacheWriteTokens: Int
    /// `prompt_tokens_details.cache_write_1h_tokens`: the part of `cacheWriteTokens` written to
    /// Anthropic's 1-hour cache, billed higher than the 5-minute one.
    public var cacheWrite1hTokens: Int
    /// `completion_tokens_details.reasoning_tokens`.
    public var reasoningTokens: Int
    /// The service tier the provider says it served the call at (`service_tier` of the answer or
    /// chunk, not of the usage object): it decides the rates.
    public var serviceTier: String?

    public init(
        promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, cacheWriteTokens: Int = 0, cacheWrite1hTokens: Int = 0,
        reasoningTokens: Int = 0, serviceTier: String? = nil
    ) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.cacheWrite1hTokens = cacheWrite1hTokens
        self.reasoningTokens = reasoningTokens
        self.serviceTier = serviceTier
    }

    public var totalTokens: Int { Self.sum(promptTokens, completionTokens) }

    /// More tokens than any one call can use: a count above it (or below zero) is an upstream
    /// that misreports, and its answer is treated as invalid.
    public static let maxPlausibleTokens = 1_000_000_000

    /// Whether every count is within 0...`maxPlausibleTokens`, and the parts within their wholes.
    public var isPlausible: Bool {
        let range = 0...Self.maxPlausibleTokens
        return range.contains(promptTokens) && range.contains(completionTokens) && range.contains(cachedTokens)
            && range.contains(cacheWriteTokens) && range.contains(cacheWrite1hTokens) && range.contains(reasoningTokens)
            && Self.sum(cachedTokens, cacheWriteTokens) <= promptTokens && cacheWrite1hTokens <= cacheWriteTokens
            && reasoningTokens <= completionTokens
    }

    /// A sum of token counts that saturates instead of trapping: counts come from upstreams, and
    /// an absurd one must fail `isPlausible`, not crash the gateway.
    public static func sum(_ counts: Int...) -> Int {
        counts.reduce(0) { total, count in
            let (sum, overflow) = total.addingReportingOverflow(count)
            return overflow ? (count < 0 ? .min : .max) : sum
        }
    }

    /// A token count as an upstream sent it: absent or null is 0, an integer is itself, and
    /// anything else (a fraction, 1e30, a string) is `Int.max`, so `isPlausible` refuses it.
    public static func count(_ value: JSONValue?) -> Int {
        guard let value, !value.isNull else { return 0 }
        return value.intValue ?? Int.max
    }

    /// Reads a `usage` object; nil when the value is not an object with `prompt_tokens`.
    public init?(json: JSONValue) {
        guard let prompt = json["prompt_tokens"], !prompt.isNull else { return nil }
        self.promptTokens = Self.count(prompt)
        self.completionTokens = Self.count(json["completion_tokens"])
        self.cachedTokens = Self.count(json["prompt_tokens_details"]?["cached_tokens"])
        self.cacheWriteTokens = Self.count(json["prompt_tokens_details"]?["cache_write_tokens"])
        self.cacheWrite1hTokens = Self.count(json["prompt_tokens_details"]?["cache_write_1h_tokens"])
        self.reasoningTokens = Self.count(json["completion_tokens_details"]?["reasoning_tokens"])
    }

    /// The usage as an OpenAI `usage` object.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "prompt_tokens": .integer(Int64(promptTokens)),
            "completion_tokens": .integer(Int64(completionTokens)),
            "total_tokens": .integer(Int64(totalTokens)),
        ]
        var promptDetails: [String: JSONValue] = ["cached_tokens": .integer(Int64(cachedTokens))]
        if cacheWriteTokens > 0 {
            promptDetails["cache_write_tokens"] = .integer(Int64(cacheWriteTokens))
        }
        if cacheWrite1hTokens > 0 {
            promptDetails["cache_write_1h_tokens"] = .integer(Int64(cacheWrite1hTokens))
        }
        object["prompt_tokens_details"] = .object(promptDetails)
        object["completion_tokens_details"] = .object(["reasoning_tokens": .integer(Int64(reasoningTokens))])
        return .object(object)
    }
}
