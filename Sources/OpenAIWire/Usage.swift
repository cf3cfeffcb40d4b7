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
    /// `completion_tokens_details.reasoning_tokens`.
    public var reasoningTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, cacheWriteTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// Reads a `usage` object; nil when the value is not an object with `prompt_tokens`.
    public init?(json: JSONValue) {
        guard let prompt = json["prompt_tokens"]?.intValue else { return nil }
        self.promptTokens = prompt
        self.completionTokens = json["completion_tokens"]?.intValue ?? 0
        self.cachedTokens = json["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        self.cacheWriteTokens = json["prompt_tokens_details"]?["cache_write_tokens"]?.intValue ?? 0
        self.reasoningTokens = json["completion_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0
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
        object["prompt_tokens_details"] = .object(promptDetails)
        object["completion_tokens_details"] = .object(["reasoning_tokens": .integer(Int64(reasoningTokens))])
        return .object(object)
    }
}
