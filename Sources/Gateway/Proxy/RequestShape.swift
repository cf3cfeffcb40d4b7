import OpenAIWire
import Pricing

/// What admission needs to know of a request to bound its tokens and their price: the prompt's
/// upper bound, the output cap the client set, how many choices will be generated, and the options
/// that change the rates (service tier, thinking mode, cache writes).
struct RequestShape: Sendable {
    /// No tokenizer makes more tokens than this from the prompt (see `inputTokenBound`).
    var inputBound: Int
    /// `max_completion_tokens` or `max_tokens`, when set.
    var maxOutput: Int?
    /// The field that set `maxOutput`, for error messages.
    var outputField = "max_tokens"
    /// `n`: each choice is generated, and billed, on its own.
    var choices = 1
    /// The service tier and thinking mode the request asks for.
    var billing = BillingMode.standard
    /// Whether the prompt may be written to the provider's cache, and for an hour: its bound is
    /// then priced at the cache-write rate, which is above the input rate.
    var cacheWrites: (any: Bool, oneHour: Bool) = (false, false)
    /// Whether the request asks for OpenAI's 12-hour prompt cache, whose writes are billed in the
    /// long-lived write class (`cacheWrite1h`) when the upstream reports writes without a class.
    var longCacheRetention = false

    /// Output assumed for a model with no known cap and a request that sets none.
    static let defaultOutputCap = 4096

    init(inputBound: Int, maxOutput: Int?, outputField: String = "max_tokens", choices: Int = 1) {
        self.inputBound = inputBound
        self.maxOutput = maxOutput
        self.outputField = outputField
        self.choices = choices
    }

    init(_ chat: ChatCompletionRequest) {
        self.init(inputBound: chat.inputTokenBound, maxOutput: chat.maxOutputTokens, outputField: chat.maxOutputTokensField, choices: chat.choices)
        billing = BillingMode(serviceTier: chat.serviceTier, thinking: chat.enablesThinking)
        cacheWrites = chat.cacheControl
        longCacheRetention = chat.asksLongCacheRetention
    }

    /// The most tokens the request can be billed for on a model whose output cap is `outputCap`:
    /// the prompt bound once, the output cap once per choice.
    func bound(outputCap: Int?) -> TokenUsage {
        let output = (maxOutput ?? outputCap ?? Self.defaultOutputCap).saturatingMultiply(max(choices, 1))
        if cacheWrites.oneHour || longCacheRetention { return TokenUsage(cacheWrite1h: inputBound, output: output) }
        if cacheWrites.any { return TokenUsage(cacheWrite: inputBound, output: output) }
        return TokenUsage(uncachedInput: inputBound, output: output)
    }
}
