import AsyncHTTPClient
import Logging
import OpenAIWire

/// Gemini through Google's Gemini API (`POST {base}/v1beta/models/{model}:generateContent`, and
/// `:batchEmbedContents` for embeddings).
public struct GeminiProvider: ChatProvider {
    let http: UpstreamHTTP

    public init(http: UpstreamHTTP) {
        self.http = http
    }

    public func complete(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        let response = try await send(try GeminiChat.request(request), path: ":generateContent", on: deployment, logger: logger)
        let answer = try await http.json(response, provider: deployment.provider)
        return UpstreamAnswer(body: GeminiChat.completion(.object(answer), model: deployment.model))
    }

    public func stream(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> ChatEventStream {
        let response = try await send(try GeminiChat.request(request), path: ":streamGenerateContent?alt=sse", on: deployment, logger: logger)
        return ChatEventStream(body: response.body, translator: GeminiStreamTranslator(model: deployment.model), provider: deployment.provider)
    }

    public func embed(_ request: EmbeddingsRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        let response = try await send(try GeminiEmbeddings.request(request, on: deployment), path: ":batchEmbedContents", on: deployment, logger: logger)
        let answer = try await http.json(response, provider: deployment.provider)
        return UpstreamAnswer(body: try GeminiEmbeddings.answer(.object(answer), on: deployment, base64: GeminiEmbeddings.wantsBase64(request)))
    }

    private func send(_ body: JSONValue, path: String, on deployment: Deployment, logger: Logger) async throws -> HTTPClientResponse {
        let headers = deployment.apiKey.map { [("x-goog-api-key", $0)] } ?? []
        let url = deployment.baseURL + "/v1beta/models/" + deployment.upstreamModel + path
        let response = try await http.post(url, headers: headers, body: body.jsonBytes, provider: deployment.provider, logger: logger)
        guard (200..<300).contains(response.status.code) else {
            throw await http.failure(response, provider: deployment.provider, envelope: GeminiErrors.envelope)
        }
        return response
    }
}
