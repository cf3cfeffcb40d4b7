import OpenAIWire
import Pricing

/// What admission needs to know of a request to bound its tokens: the prompt's upper bound, the
/// output cap the client set, and how many choices will be generated.
struct RequestShape: Sendable {
    /// No tokenizer makes more tokens than this from the prompt (see `inputTokenBound`).
    var inputBound: Int
    /// `max_completion_tokens` or `max_tokens`, when set.
    var maxOutput: Int?
    /// The field that set `maxOutput`, for error messages.
    var outputField = "max_tokens"
    /// `n`: each choice is generated, and billed, on its own.
    var choices = 1

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
    }

    /// The most tokens the request can be billed for on a model whose output cap is `outputCap`:
    /// the prompt bound once, the output cap once per choice.
    func bound(outputCap: Int?) -> TokenUsage {
        let output = maxOutput ?? outputCap ?? Self.defaultOutputCap
        return TokenUsage(uncachedInput: inputBound, output: output.saturatingMultiply(max(choices, 1)))
    }
}
