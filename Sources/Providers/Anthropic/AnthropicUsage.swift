import OpenAIWire

/// Anthropic's usage in OpenAI's shape. Anthropic's `input_tokens` excludes cache reads and writes,
/// which it counts apart; OpenAI's `prompt_tokens` includes both. Its `service_tier` (`standard`,
/// `priority`, `batch`) is in the usage object; OpenAI's is on the answer.
enum AnthropicUsage {
    static func usage(_ json: JSONValue) -> Usage {
        let input = Usage.count(json["input_tokens"])
        let cacheRead = Usage.count(json["cache_read_input_tokens"])
        let cacheWrite = Usage.count(json["cache_creation_input_tokens"])
        return Usage(
            promptTokens: Usage.sum(input, cacheRead, cacheWrite),
            completionTokens: Usage.count(json["output_tokens"]),
            cachedTokens: cacheRead,
            cacheWriteTokens: cacheWrite,
            // `cache_creation` splits the writes by lifetime; without it every write is 5-minute.
            cacheWrite1hTokens: Usage.count(json["cache_creation"]?["ephemeral_1h_input_tokens"]),
            serviceTier: json["service_tier"]?.stringValue)
    }
}
