import OpenAIWire

/// Gemini's `usageMetadata` in OpenAI's shape. `promptTokenCount` already includes the cached
/// part (`cachedContentTokenCount`); thinking tokens (`thoughtsTokenCount`) are output Google bills
/// but does not count in `candidatesTokenCount`.
enum GeminiUsage {
    static func usage(_ json: JSONValue) -> Usage {
        let thoughts = Usage.count(json["thoughtsTokenCount"])
        return Usage(
            promptTokens: Usage.count(json["promptTokenCount"]),
            completionTokens: Usage.sum(Usage.count(json["candidatesTokenCount"]), thoughts),
            cachedTokens: Usage.count(json["cachedContentTokenCount"]),
            reasoningTokens: thoughts)
    }
}
