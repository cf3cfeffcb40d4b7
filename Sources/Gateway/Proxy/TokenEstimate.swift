import Pricing

/// Token counts guessed from text, for answers that came without usage (a stream cut short, an
/// upstream that sends none). Rows priced from a guess are marked `usage_estimated`.
enum TokenEstimate {
    /// About four characters a token, as OpenAI's tokenizers average on English text.
    static func tokens(in text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    static func usage(prompt: String, completion: String) -> TokenUsage {
        TokenUsage(uncachedInput: tokens(in: prompt), output: tokens(in: completion))
    }

    static func usage(prompt: String, completionTokens: Int) -> TokenUsage {
        TokenUsage(uncachedInput: tokens(in: prompt), output: completionTokens)
    }
}
