import Logging
import NIOCore
import OpenAIWire

/// Talks to one kind of upstream: translates OpenAI-shaped requests to it and its answers back.
///
/// ```swift
/// let answer = try await provider.complete(request, on: deployment, logger: logger)
/// for try await event in try await provider.stream(request, on: deployment, logger: logger) { … }
/// ```
public protocol ChatProvider: Sendable {
    /// Sends a non-streaming chat completion and returns the OpenAI-shaped answer.
    func complete(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer

    /// Sends a streaming chat completion; the events are OpenAI `chat.completion.chunk`s (and a
    /// final `[DONE]`) as they arrive.
    func stream(_ request: ChatCompletionRequest, on deployment: Deployment, logger: Logger) async throws -> ChatEventStream

    /// Sends an embeddings request and returns the OpenAI-shaped answer.
    func embed(_ request: EmbeddingsRequest, on deployment: Deployment, logger: Logger) async throws -> UpstreamAnswer
}

/// A whole upstream answer in OpenAI's shape, with its usage read out.
public struct UpstreamAnswer: Sendable {
    public var body: [String: JSONValue] {
        didSet { received = nil }
    }
    public var usage: Usage?
    /// The bytes the answer came as, while `body` is all they say (no member named twice, nothing
    /// filled in): delivered as they came, with the cost spliced in, instead of writing `body`
    /// again. Nil for an answer that was built or changed.
    public private(set) var received: ByteBuffer?

    /// An answer in another API's shape, with its usage read out by the caller.
    public init(body: [String: JSONValue], usage: Usage?) {
        self.body = body
        self.usage = usage
    }

    public init(body: [String: JSONValue]) {
        self.body = body
        self.usage = body["usage"].flatMap(Usage.init(json:))
        self.usage?.serviceTier = body["service_tier"]?.stringValue
    }

    /// An OpenAI-shaped answer read from `bytes`, which say exactly `body`.
    public init(body: [String: JSONValue], received bytes: ByteBuffer) {
        self.init(body: body)
        self.received = bytes
    }
}
