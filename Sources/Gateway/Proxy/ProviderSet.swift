import Providers

/// One adapter per upstream kind, sharing the HTTP client.
struct ProviderSet: Sendable {
    let openAICompatible: OpenAICompatibleProvider

    init(http: UpstreamHTTP) {
        self.openAICompatible = OpenAICompatibleProvider(http: http)
    }

    func provider(for kind: ProviderKind) -> any ChatProvider {
        switch kind {
        case .openAICompatible: openAICompatible
        }
    }
}
