import NIOCore

/// A `POST /v1/messages` body (Anthropic's Messages API): the fields Tollgate reads, validated,
/// over the whole JSON object so that every other field (`cache_control`, `thinking`, betas'
/// fields) reaches an Anthropic upstream untouched.
public struct MessagesRequest: Sendable {
    /// The body as received, with Tollgate's own edits applied.
    public var body: [String: JSONValue]

    /// `countingTokens`: a `count_tokens` body, which has no `max_tokens`.
    public init(body buffer: ByteBuffer, countingTokens: Bool = false) throws(WireError) {
        let body = try WireError.jsonObject(buffer)
        try Self.validate(body, countingTokens: countingTokens)
        self.body = body
    }

    /// `model` a non-empty string, `max_tokens` an integer in range, `messages` a non-empty array
    /// of `user` and `assistant` messages with string or block content, and `system`, `stream`,
    /// `tools`, `metadata` of the right types.
    private static func validate(_ body: [String: JSONValue], countingTokens: Bool) throws(WireError) {
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw WireError("model: Field required (a non-empty string).", param: "model")
        }
        if let maxTokens = body["max_tokens"] {
            guard let limit = maxTokens.intValue, (1...ChatCompletionRequest.maxTokensCeiling).contains(limit) else {
                throw WireError("max_tokens: must be an integer from 1 to \(ChatCompletionRequest.maxTokensCeiling).", param: "max_tokens")
            }
        } else if !countingTokens {
            throw WireError("max_tokens: Field required.", param: "max_tokens")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw WireError("messages: Field required (a non-empty array).", param: "messages")
        }
        for (index, message) in messages.enumerated() {
            let role = message["role"]?.stringValue
            guard role == "user" || role == "assistant" else {
                throw WireError("messages.\(index).role: must be 'user' or 'assistant'.", param: "messages.\(index).role")
            }
            let content = message["content"]
            guard content?.stringValue != nil || content?.arrayValue?.allSatisfy({ $0["type"]?.stringValue != nil }) == true else {
                throw WireError("messages.\(index).content: must be a string or an array of content blocks with a 'type'.",
                                param: "messages.\(index).content")
            }
        }
        if let system = body["system"], !system.isNull, system.stringValue == nil, system.arrayValue == nil {
            throw WireError("system: must be a string or an array of text blocks.", param: "system")
        }
        try ChatCompletionRequest.expect(body, "stream", \.boolValue, "a boolean")
        try ChatCompletionRequest.expect(body, "tools", \.arrayValue, "an array")
        try ChatCompletionRequest.expect(body, "metadata", \.objectValue, "an object")
        if let task = body["metadata"]?["task"], task.stringValue == nil, !task.isNull {
            throw WireError("metadata.task: must be a string.", param: "metadata.task")
        }
        if let user = body["metadata"]?["user_id"], !user.isNull {
            guard let id = user.stringValue, id.isEmpty || EndUser.isValid(id) else {
                throw WireError("metadata.user_id: must be a string of at most \(EndUser.maxBytes) bytes without NUL.", param: "metadata.user_id")
            }
        }
    }

    public var model: String {
        get { body["model"]?.stringValue ?? "" }
        set { body["model"] = .string(newValue) }
    }

    /// The model asked for; `auto` leaves the choice to routing.
    public var requestedModel: String? { body["model"]?.stringValue }

    public var messages: [JSONValue] { body["messages"]?.arrayValue ?? [] }

    public var maxTokens: Int { body["max_tokens"]?.intValue ?? 1 }

    public var isStreaming: Bool { body["stream"]?.boolValue ?? false }

    /// Whether a message carries an image (or document) block.
    public var hasImages: Bool {
        messages.contains { message in
            message["content"]?.arrayValue?.contains { ["image", "document"].contains($0["type"]?.stringValue ?? "") } ?? false
        }
    }

    public var hasTools: Bool { !(body["tools"]?.arrayValue?.isEmpty ?? true) }

    /// `metadata.user_id`: who the app served the call for.
    public var endUser: String? {
        guard let id = body["metadata"]?["user_id"]?.stringValue, !id.isEmpty else { return nil }
        return id
    }

    /// `metadata.task`, if the client set one (Tollgate's own field; removed before forwarding).
    public var metadataTask: String? { body["metadata"]?["task"]?.stringValue }

    public mutating func removeMetadataTask() {
        ChatCompletionRequest.removeMetadataTask(from: &body)
    }

    /// All text of the system prompt and the messages, for estimating input tokens.
    public var promptText: String {
        var text = body["system"].map { $0.contentText() + "\n" } ?? ""
        for message in messages {
            text += Self.blocks(message["content"]).map { $0["text"]?.stringValue ?? $0["content"]?.contentText() ?? "" }.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// An upper bound on the prompt's tokens (as `ChatCompletionRequest.inputTokenBound` counts):
    /// a token a byte of text, 16 a message, tool definitions and tool blocks by their JSON bytes,
    /// an image `ChatCompletionRequest.imageTokenBound`.
    public var inputTokenBound: Int {
        var tokens = 0
        for block in Self.blocks(body["system"]) {
            tokens = Usage.sum(tokens, Self.blockTokenBound(block))
        }
        for message in messages {
            tokens = Usage.sum(tokens, 16)
            for block in Self.blocks(message["content"]) {
                tokens = Usage.sum(tokens, Self.blockTokenBound(block))
            }
        }
        if let tools = body["tools"] {
            tokens = Usage.sum(tokens, ChatCompletionRequest.jsonBytes(tools))
        }
        return tokens
    }

    static func blockTokenBound(_ block: JSONValue) -> Int {
        switch block["type"]?.stringValue {
        case "text": return block["text"]?.stringValue?.utf8.count ?? 0
        case "image": return ChatCompletionRequest.imageTokenBound
        default: return max(ChatCompletionRequest.jsonBytes(block), block["type"]?.stringValue == "document" ? ChatCompletionRequest.imageTokenBound : 0)
        }
    }

    /// Whether any block asks for prompt caching, and whether any for the 1-hour lifetime.
    public var cacheControl: (any: Bool, oneHour: Bool) {
        ChatCompletionRequest.cacheControl(in: body, keys: ["system", "messages", "tools"])
    }

    /// A string or a list of blocks, as blocks.
    public static func blocks(_ content: JSONValue?) -> [JSONValue] {
        if let text = content?.stringValue { return [["type": "text", "text": .string(text)]] }
        return content?.arrayValue ?? []
    }

    public func encoded() -> ByteBuffer {
        WireCoding.encode(JSONValue.object(body))
    }
}
