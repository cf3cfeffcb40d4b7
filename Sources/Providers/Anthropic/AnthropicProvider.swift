import AsyncHTTPClient
import Logging
import NIOCore
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

    // MARK: The Messages API, natively

    /// Sends a Messages request as the client wrote it (every field kept) under the deployment's
    /// model name; `headers` are the client's `anthropic-version` and `anthropic-beta`. The answer
    /// is Anthropic's, its usage read in OpenAI's terms.
    public func messages(_ request: MessagesRequest, headers: [(String, String)], on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        var request = request
        request.model = deployment.upstreamModel
        request.body["stream"] = nil
        let response = try await send(request.encoded(), path: "/v1/messages", clientHeaders: headers, on: deployment, logger: logger)
        let message = try await http.json(response, provider: deployment.provider)
        guard message["content"]?.arrayValue != nil else { throw ProviderError.badResponse(deployment.provider, "a message without content") }
        var usage = AnthropicUsage.usage(message["usage"] ?? [:])
        usage.serviceTier = OpenAIChat.wireServiceTier(usage.serviceTier).stringValue
        return UpstreamAnswer(body: message, usage: usage)
    }

    /// Streams a Messages request natively: Anthropic's events, passed on as they come.
    public func streamMessages(_ request: MessagesRequest, headers: [(String, String)], on deployment: Deployment, logger: Logger) async throws -> ChatEventStream {
        var request = request
        request.model = deployment.upstreamModel
        request.body["stream"] = true
        let response = try await send(request.encoded(), path: "/v1/messages", clientHeaders: headers, on: deployment, logger: logger)
        return ChatEventStream(body: response.body, translator: MessagesPassThrough(), provider: deployment.provider)
    }

    /// `POST /v1/messages/count_tokens`, forwarded: Anthropic's count, which it does not bill.
    public func countTokens(_ body: [String: JSONValue], headers: [(String, String)], on deployment: Deployment, logger: Logger) async throws -> [String: JSONValue] {
        var body = body
        body["model"] = .string(deployment.upstreamModel)
        let response = try await send(WireCoding.encode(body), path: "/v1/messages/count_tokens", clientHeaders: headers, on: deployment, logger: logger)
        return try await http.json(response, provider: deployment.provider)
    }

    private func send(_ body: JSONValue, on deployment: Deployment, logger: Logger) async throws -> HTTPClientResponse {
        try await send(body.jsonBytes, path: "/v1/messages", clientHeaders: [], on: deployment, logger: logger)
    }

    /// POSTs to Anthropic with the deployment's key; the client's `anthropic-version` (else the
    /// one Tollgate speaks) and `anthropic-beta` headers go along unchanged.
    private func send(
        _ body: ByteBuffer, path: String, clientHeaders: [(String, String)], on deployment: Deployment, logger: Logger
    ) async throws -> HTTPClientResponse {
        var headers = clientHeaders
        if !headers.contains(where: { $0.0 == "anthropic-version" }) { headers.append(("anthropic-version", Self.apiVersion)) }
        if let key = deployment.apiKey { headers.append(("x-api-key", key)) }
        let response = try await http.post(deployment.baseURL + path, headers: headers, body: body,
                                           provider: deployment.provider, logger: logger)
        guard (200..<300).contains(response.status.code) else {
            throw await http.failure(response, provider: deployment.provider, envelope: AnthropicErrors.envelope)
        }
        return response
    }
}
