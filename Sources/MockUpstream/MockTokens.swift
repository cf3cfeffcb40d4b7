import OpenAIWire

/// The mock's deterministic token counts, so tests can predict every number they check:
///
/// - a text is as many tokens as it has whitespace-separated words;
/// - `prompt_tokens` is, over all messages, the words of the content plus one per message;
/// - `cached_tokens` is the words of the system and developer messages (their "cached prefix");
/// - the answer has 12 tokens, or `max_completion_tokens` / `max_tokens` if that is fewer (then it
///   stops for length), of which half are `reasoning_tokens` for reasoning models (`o1`…`o4`,
///   `gpt-5`, `…reasoning…`).
public enum MockTokens {
    public static func count(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    public static func usage(model: String, messages: [JSONValue], maxTokens: Int?) -> Usage {
        var prompt = 0
        var cached = 0
        for message in messages {
            let words = count((message["content"] ?? .null).contentText(separator: " "))
            prompt += words + 1
            if let role = message["role"]?.stringValue, role == "system" || role == "developer" {
                cached += words
            }
        }
        let completion = outputTokens(maxTokens)
        return Usage(
            promptTokens: prompt,
            completionTokens: completion,
            cachedTokens: cached,
            reasoningTokens: isReasoning(model) ? completion / 2 : 0
        )
    }

    /// The answer's length: 12 tokens, cut to `maxTokens`.
    public static func outputTokens(_ maxTokens: Int?) -> Int {
        min(maxTokens ?? naturalLength, naturalLength)
    }

    public static let naturalLength = 12

    /// Whether an answer of `maxTokens` was cut short.
    public static func stoppedForLength(_ maxTokens: Int?) -> Bool {
        (maxTokens ?? naturalLength) < naturalLength
    }

    static func isReasoning(_ model: String) -> Bool {
        let name = model.lowercased()
        return name.hasPrefix("gpt-5") || name.contains("reasoning")
            || (name.count >= 2 && name.first == "o" && name.dropFirst().first?.isNumber == true)
    }

    /// The answer's words: `tok1 tok2 …`, one per visible output token.
    public static func reply(_ usage: Usage) -> [String] {
        words(max(usage.completionTokens - usage.reasoningTokens, 0))
    }

    public static func words(_ count: Int) -> [String] {
        (0..<count).map { "tok\($0 + 1)" }
    }
}
