import OpenAIWire

/// Gemini's `usageMetadata` in OpenAI's shape. `promptTokenCount` already includes the cached
/// part (`cachedContentTokenCount`); thinking tokens (`thoughtsTokenCount`) are output Google bills
/// but does not count in `candidatesTokenCount`.
enum GeminiUsage {
    static func usage(_ json: JSONValue) -> Usage {
        let thoughts = json["thoughtsTokenCount"]?.intValue ?? 0
        return Usage(
            promptTokens: json["promptTokenCount"]?.intValue ?? 0,
            completionTokens: (json["candidatesTokenCount"]?.intValue ?? 0) + thoughts,
            cachedTokens: json["cachedContentTokenCount"]?.intValue ?? 0,
            reasoningTokens: thoughts)
    }
}
