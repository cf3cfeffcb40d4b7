import AsyncHTTPClient
import Logging
import NIOCore
import OpenAIWire

/// OpenAI's Chat Completions and Embeddings APIs, as spoken by OpenAI, Qwen (DashScope), DeepSeek,
/// Mistral, Groq, Together, OpenRouter, vLLM and Ollama: requests go out as they came in, with the
/// upstream's model name and key.
public struct OpenAICompatibleProvider: ChatProvider {
    let http: UpstreamHTTP

    public init(http: UpstreamHTTP) {
        self.http = http
    }

    public func complete(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        var request = request
        request.model = deployment.upstreamModel
        let response = try await send(request.encoded(), to: "/chat/completions", on: deployment, logger: logger)
        let (body, bytes) = try await http.jsonWithBytes(response, provider: deployment.provider)
        if let filled = OpenAIChat.filledIn(body) { return UpstreamAnswer(body: filled) }
        // Most upstreams send what OpenAI's schema requires: their bytes can then go on as they came.
        guard let bytes else { return UpstreamAnswer(body: body) }
        return UpstreamAnswer(body: body, received: bytes)
    }

    public func stream(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> ChatEventStream {
        var request = request
        request.model = deployment.upstreamModel
        let response = try await send(request.encoded(), to: "/chat/completions", on: deployment, logger: logger)
        guard response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true else {
            throw ProviderError.badResponse(deployment.provider, "a streamed answer that is not an event stream")
        }
        return ChatEventStream(body: response.body, translator: PassThroughTranslator(), provider: deployment.provider)
    }

    public func embed(_ request: EmbeddingsRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        var request = request
        request.model = deployment.upstreamModel
        let response = try await send(request.encoded(), to: "/embeddings", on: deployment, logger: logger)
        return UpstreamAnswer(body: try await http.json(response, provider: deployment.provider))
    }

    // MARK: The Responses API, natively

    /// Sends a Responses request as the client wrote it, under the deployment's model name, to an
    /// upstream that serves the API (`responses_api`); the answer is its own, usage read out.
    public func responses(_ request: ResponsesRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer {
        var request = request
        request.model = deployment.upstreamModel
        request.body["stream"] = nil
        let response = try await send(request.encoded(), to: "/responses", on: deployment, logger: logger)
        let body = try await http.json(response, provider: deployment.provider)
        var usage = body["usage"].flatMap(ResponsesUsage.usage)
        usage?.serviceTier = body["service_tier"]?.stringValue
        return UpstreamAnswer(body: body, usage: usage)
    }

    /// Streams a Responses request natively: the upstream's events, passed on as they come.
    public func streamResponses(_ request: ResponsesRequest, on deployment: Deployment, logger: Logger) async throws -> ChatEventStream {
        var request = request
        request.model = deployment.upstreamModel
        request.body["stream"] = true
        let response = try await send(request.encoded(), to: "/responses", on: deployment, logger: logger)
        guard response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true else {
            throw ProviderError.badResponse(deployment.provider, "a streamed answer that is not an event stream")
        }
        return ChatEventStream(body: response.body, translator: ResponsesPassThrough(provider: deployment.provider), provider: deployment.provider)
    }

    private func send(_ body: ByteBuffer, to path: String, on deployment: Deployment, logger: Logger) async throws -> HTTPClientResponse {
        let headers = deployment.apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
        let response = try await http.post(deployment.baseURL + path, headers: headers, body: body, provider: deployment.provider, logger: logger)
        guard (200..<300).contains(response.status.code) else {
            throw await http.failure(response, provider: deployment.provider, envelope: OpenAICompatibleErrors.envelope)
        }
        return response
    }
}
