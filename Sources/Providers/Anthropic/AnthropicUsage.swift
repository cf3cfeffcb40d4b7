import OpenAIWire

/// Anthropic's usage in OpenAI's shape. Anthropic's `input_tokens` excludes cache reads and writes,
/// which it counts apart; OpenAI's `prompt_tokens` includes both.
enum AnthropicUsage {
    static func usage(_ json: JSONValue) -> Usage {
        let input = json["input_tokens"]?.intValue ?? 0
        let cacheRead = json["cache_read_input_tokens"]?.intValue ?? 0
        let cacheWrite = json["cache_creation_input_tokens"]?.intValue ?? 0
        return Usage(
            promptTokens: input + cacheRead + cacheWrite,
            completionTokens: json["output_tokens"]?.intValue ?? 0,
            cachedTokens: cacheRead,
            cacheWriteTokens: cacheWrite)
    }
}
