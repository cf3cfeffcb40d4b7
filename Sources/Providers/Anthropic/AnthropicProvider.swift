import AsyncHTTPClient
import Logging
import OpenAIWire

/// Claude through Anthropic's Messages API (`POST {base}/v1/messages`).
public struct AnthropicProvider: ChatProvider {
    static let apiVersion = "2023-06-01"
    let http: UpstreamHTTP

    public init(http: UpstreamHTTP) {
        self.http = http
    }

    public func complete(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        let body = try AnthropicChat.request(request, model: deployment.upstreamModel, stream: false)
        let response = try await send(body, on: deployment, logger: logger)
        let message = try await http.json(response, provider: deployment.provider)
        return UpstreamAnswer(body: try AnthropicChat.completion(.object(message), model: deployment.model))
    }

    public func stream(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> ChatEventStream {
        let body = try AnthropicChat.request(request, model: deployment.upstreamModel, stream: true)
        let response = try await send(body, on: deployment, logger: logger)
        return ChatEventStream(body: response.body, translator: AnthropicStreamTranslator(model: deployment.model), provider: deployment.provider)
    }

    public func embed(_ request: EmbeddingsRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        throw ProviderError.untranslatable(deployment.provider, "Anthropic offers no embeddings API", param: "model")
    }

    private func send(_ body: JSONValue, on deployment: Deployment, logger: Logger) async throws -> HTTPClientResponse {
        var headers = [("anthropic-version", Self.apiVersion)]
        if let key = deployment.apiKey { headers.append(("x-api-key", key)) }
        let response = try await http.post(deployment.baseURL + "/v1/messages", headers: headers, body: body.jsonBytes,
                                           provider: deployment.provider, logger: logger)
        guard (200..<300).contains(response.status.code) else {
            throw await http.failure(response, provider: deployment.provider, envelope: AnthropicErrors.envelope)
        }
        return response
    }
}
