import Providers

/// One adapter per upstream kind, sharing the HTTP client.
struct ProviderSet: Sendable {
    let openAICompatible: OpenAICompatibleProvider
    let anthropic: AnthropicProvider
    let gemini: GeminiProvider

    init(http: UpstreamHTTP) {
        self.openAICompatible = OpenAICompatibleProvider(http: http)
        self.anthropic = AnthropicProvider(http: http)
        self.gemini = GeminiProvider(http: http)
    }

    func provider(for kind: ProviderKind) -> any ChatProvider {
        switch kind {
        case .openAICompatible: openAICompatible
        case .anthropic: anthropic
        case .gemini: gemini
        }
    }
}
