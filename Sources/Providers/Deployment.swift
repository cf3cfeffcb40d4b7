/// The wire protocol an upstream speaks.
public enum ProviderKind: String, Sendable, Codable, CaseIterable {
    /// OpenAI's Chat Completions API, spoken by OpenAI, Qwen (DashScope), DeepSeek, vLLM, Ollama, …
    case openAICompatible = "openai-compatible"
    /// Anthropic's Messages API.
    case anthropic
    /// Google's Gemini API.
    case gemini
}

/// Where one public model name is served: which provider, at which address, under which name.
public struct Deployment: Sendable, Hashable {
    /// The name callers use, e.g. `gpt-4o`.
    public var model: String
    /// The provider's name in reports and prices, e.g. `openai`, `qwen`.
    public var provider: String
    public var kind: ProviderKind
    /// The API root, e.g. `https://api.openai.com/v1`.
    public var baseURL: String
    /// The provider's secret; never logged or returned.
    public var apiKey: String?
    /// The name the upstream knows the model by.
    public var upstreamModel: String
    /// Its share of the model's traffic among the model's deployments (`weight` in `tollgate.yaml`).
    public var weight: Int = 1
    /// Whether the upstream serves OpenAI's Responses API: `/v1/responses` is passed through to it
    /// rather than translated to chat completions.
    public var responsesAPI = false

    /// `provider/model`: how breakers, reports and `GET /admin/deployments` name it.
    public var id: String { provider + "/" + model }

    public init(model: String, provider: String, kind: ProviderKind, baseURL: String, apiKey: String?, upstreamModel: String? = nil) {
        self.model = model
        self.provider = provider
        self.kind = kind
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.upstreamModel = upstreamModel ?? model
    }
}

extension Deployment: CustomStringConvertible {
    /// Everything but the key.
    public var description: String {
        "\(model) → \(provider) \(kind.rawValue) \(baseURL) as \(upstreamModel)"
    }
}
