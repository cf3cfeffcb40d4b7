import NIOCore

/// A `POST /v1/responses` body (OpenAI's Responses API): the fields Tollgate reads, validated, over
/// the whole JSON object so that every other field reaches an upstream that serves the API untouched.
public struct ResponsesRequest: Sendable {
    public var body: [String: JSONValue]

    public init(body buffer: ByteBuffer) throws(WireError) {
        let body = try WireError.jsonObject(buffer)
        try Self.validate(body)
        self.body = body
    }

    private static func validate(_ body: [String: JSONValue]) throws(WireError) {
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw WireError("Missing required parameter: 'model' (a non-empty string).", param: "model")
        }
        if let input = body["input"], !input.isNull {
            guard input.stringValue != nil || input.arrayValue?.allSatisfy({ $0.objectValue != nil }) == true else {
                throw WireError("Invalid type for 'input': expected a string or an array of input items.", param: "input")
            }
        } else if body["previous_response_id"]?.stringValue == nil, body["conversation"] == nil, body["prompt"] == nil {
            throw WireError("Missing required parameter: 'input'.", param: "input")
        }
        try ChatCompletionRequest.expect(body, "instructions", \.stringValue, "a string")
        try ChatCompletionRequest.expect(body, "stream", \.boolValue, "a boolean")
        try ChatCompletionRequest.expect(body, "store", \.boolValue, "a boolean")
        try ChatCompletionRequest.expect(body, "tools", \.arrayValue, "an array")
        try ChatCompletionRequest.expect(body, "metadata", \.objectValue, "an object")
        try ChatCompletionRequest.expect(body, "service_tier", \.stringValue, "a string")
        try ChatCompletionRequest.expect(body, "max_output_tokens", \.intValue, "an integer")
        if let limit = body["max_output_tokens"]?.intValue, !(1...ChatCompletionRequest.maxTokensCeiling).contains(limit) {
            throw WireError("Invalid 'max_output_tokens': must be at least 1 and at most \(ChatCompletionRequest.maxTokensCeiling), got \(limit).",
                            param: "max_output_tokens")
        }
        if let task = body["metadata"]?["task"], task.stringValue == nil, !task.isNull {
            throw WireError("Invalid type for 'metadata.task': expected a string, but got \(task.typeName).", param: "metadata.task")
        }
        try EndUser.validate(body)
    }

    public var model: String {
        get { body["model"]?.stringValue ?? "" }
        set { body["model"] = .string(newValue) }
    }

    public var requestedModel: String? { body["model"]?.stringValue }

    public var isStreaming: Bool { body["stream"]?.boolValue ?? false }

    public var maxOutputTokens: Int? { body["max_output_tokens"]?.intValue }

    /// The input as items: a string is one user message.
    public var items: [JSONValue] {
        if let text = body["input"]?.stringValue { return [["role": "user", "content": .string(text)]] }
        return body["input"]?.arrayValue ?? []
    }

    public var hasImages: Bool {
        items.contains { item in item["content"]?.arrayValue?.contains { $0["type"]?.stringValue == "input_image" } ?? false }
    }

    public var hasTools: Bool { !(body["tools"]?.arrayValue?.isEmpty ?? true) }

    public var serviceTier: String? { body["service_tier"]?.stringValue }

    /// Whether the request asks for OpenAI's 12-hour prompt cache (see `ChatCompletionRequest`).
    public var asksLongCacheRetention: Bool {
        body["prompt_cache_options"]?["ttl"]?.stringValue == "12h" || body["prompt_cache_retention"]?.stringValue == "12h"
    }

    public var endUser: String? { EndUser.read(body) }

    public var metadataTask: String? { body["metadata"]?["task"]?.stringValue }

    public mutating func removeMetadataTask() {
        ChatCompletionRequest.removeMetadataTask(from: &body)
    }

    /// All text of the instructions and the input, for estimating input tokens.
    public var promptText: String {
        var text = body["instructions"]?.stringValue.map { $0 + "\n" } ?? ""
        for item in items {
            text += (item["content"] ?? item["output"] ?? item["arguments"] ?? "").contentText() + "\n"
        }
        return text
    }

    /// An upper bound on the prompt's tokens (as `ChatCompletionRequest.inputTokenBound` counts):
    /// a token a byte of text, 16 an item, an image `imageTokenBound`, tools and other items by
    /// their JSON bytes.
    public var inputTokenBound: Int {
        var tokens = body["instructions"]?.stringValue?.utf8.count ?? 0
        for item in items {
            tokens = Usage.sum(tokens, 16)
            if let text = item["content"]?.stringValue {
                tokens = Usage.sum(tokens, text.utf8.count)
            } else if let parts = item["content"]?.arrayValue {
                for part in parts {
                    let bound = part["type"]?.stringValue == "input_image" ? ChatCompletionRequest.imageTokenBound : ChatCompletionRequest.partTokenBound(part)
                    tokens = Usage.sum(tokens, bound)
                }
            } else {
                tokens = Usage.sum(tokens, ChatCompletionRequest.jsonBytes(item))
            }
        }
        if let tools = body["tools"] {
            tokens = Usage.sum(tokens, ChatCompletionRequest.jsonBytes(tools))
        }
        return tokens
    }

    public func encoded() -> ByteBuffer {
        WireCoding.encode(body)
    }
}
