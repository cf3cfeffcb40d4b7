import NIOCore

/// A `POST /v1/chat/completions` body: the fields Tollgate reads, validated, over the whole JSON
/// object so that every other field is forwarded untouched.
public struct ChatCompletionRequest: Sendable {
    /// The body as received, with Tollgate's own edits applied.
    public var body: [String: JSONValue] {
        didSet { received = nil }
    }

    /// The bytes the body came as, while nothing in it has changed: sent on as they are, as a bare
    /// proxy would, instead of being written again. Nil once an edit is made, and for a body that
    /// names a member twice (which an upstream might read differently from Tollgate).
    private var received: ByteBuffer?

    /// Parses and validates a body: `model` a string when present, `messages` a non-empty array of objects with a
    /// string `role`, and `stream`, `max_tokens`, `stream_options`, `metadata` of the right types.
    public init(body buffer: ByteBuffer) throws(WireError) {
        let parsed: (value: JSONValue, duplicateKeys: Bool)
        do {
            parsed = try JSONParser.parseNotingDuplicates(Array(buffer.readableBytesView))
        } catch {
            throw WireError("The request body is not valid JSON.")
        }
        try self.init(json: parsed.value)
        if !parsed.duplicateKeys { received = buffer }
    }

    public init(json value: JSONValue) throws(WireError) {
        guard let body = value.objectValue else {
            throw WireError("The request body must be a JSON object, not \(value.typeName).")
        }
        self.body = body
        try Self.validate(body)
    }

    private static func validate(_ body: [String: JSONValue]) throws(WireError) {
        // A request without a model (or with `auto`) is routed by its task.
        if let model = body["model"], !model.isNull {
            guard let name = model.stringValue, !name.isEmpty else {
                throw WireError("Invalid type for 'model': expected a non-empty string, but got \(model.typeName).", param: "model")
            }
        }
        guard let messages = body["messages"] else {
            throw WireError("Missing required parameter: 'messages'.", param: "messages")
        }
        guard let list = messages.arrayValue else {
            throw WireError("Invalid type for 'messages': expected an array, but got \(messages.typeName).", param: "messages")
        }
        guard !list.isEmpty else {
            throw WireError("'messages' must contain at least one message.", param: "messages")
        }
        for (index, message) in list.enumerated() {
            guard message["role"]?.stringValue != nil else {
                throw WireError("Invalid 'messages[\(index)]': expected an object with a string 'role'.", param: "messages[\(index)].role")
            }
        }
        try expect(body, "stream", \.boolValue, "a boolean")
        try expect(body, "max_tokens", \.intValue, "an integer")
        try expect(body, "max_completion_tokens", \.intValue, "an integer")
        try expect(body, "stream_options", \.objectValue, "an object")
        try expect(body, "metadata", \.objectValue, "an object")
        if let task = body["metadata"]?["task"], task.stringValue == nil, !task.isNull {
            throw WireError("Invalid type for 'metadata.task': expected a string, but got \(task.typeName).", param: "metadata.task")
        }
        try expect(body, "n", \.intValue, "an integer")
        try expect(body, "service_tier", \.stringValue, "a string")
        try expect(body, "enable_thinking", \.boolValue, "a boolean")
        try EndUser.validate(body)
        for key in ["max_tokens", "max_completion_tokens"] {
            if let limit = body[key]?.intValue, !(1...Self.maxTokensCeiling).contains(limit) {
                throw WireError("Invalid '\(key)': must be at least 1 and at most \(Self.maxTokensCeiling), got \(limit).", param: key)
            }
        }
        if let n = body["n"]?.intValue, !(1...Self.maxChoices).contains(n) {
            throw WireError("Invalid 'n': must be at least 1 and at most \(Self.maxChoices), got \(n).", param: "n")
        }
    }

    /// The largest `max_tokens` any request may ask for, whatever the model: no model writes a
    /// billion tokens, and every sum over token counts stays far from `Int` overflow below it.
    /// A priced model's own `max_output_tokens` is checked on top of this.
    public static let maxTokensCeiling = Usage.maxPlausibleTokens

    /// The most choices (`n`) one request may ask for, as OpenAI allows.
    public static let maxChoices = 128

    /// Throws when `body[key]` is present, not null, and not what `read` accepts.
    static func expect<T>(
        _ body: [String: JSONValue], _ key: String, _ read: (JSONValue) -> T?, _ expected: String
    ) throws(WireError) {
        guard let value = body[key], !value.isNull else { return }
        if read(value) == nil {
            throw WireError("Invalid type for '\(key)': expected \(expected), but got \(value.typeName).", param: key)
        }
    }

    public var model: String {
        get { body["model"]?.stringValue ?? "" }
        set {
            // The same name again is no edit: the body can still go as it came.
            guard body["model"]?.stringValue != newValue else { return }
            body["model"] = .string(newValue)
        }
    }

    /// The model asked for; nil when the request leaves the choice to routing.
    public var requestedModel: String? { body["model"]?.stringValue }

    public var messages: [JSONValue] { body["messages"]?.arrayValue ?? [] }

    /// Whether a message carries an image part.
    public var hasImages: Bool {
        messages.contains { message in
            message["content"]?.arrayValue?.contains { $0["type"]?.stringValue == "image_url" } ?? false
        }
    }

    /// Whether the request offers tools (or the older `functions`).
    public var hasTools: Bool {
        !(body["tools"]?.arrayValue?.isEmpty ?? true) || !(body["functions"]?.arrayValue?.isEmpty ?? true)
    }

    public var isStreaming: Bool { body["stream"]?.boolValue ?? false }

    /// Whether the client asked for the final usage chunk of a stream.
    public var clientWantsStreamUsage: Bool {
        body["stream_options"]?["include_usage"]?.boolValue ?? false
    }

    /// The output cap the client set: `max_completion_tokens`, else `max_tokens`.
    public var maxOutputTokens: Int? {
        body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue
    }

    /// The field that set `maxOutputTokens`, for error messages.
    public var maxOutputTokensField: String {
        body["max_completion_tokens"]?.intValue != nil ? "max_completion_tokens" : "max_tokens"
    }

    /// How many choices the answer carries (`n`, 1 when unset): each is generated and billed.
    public var choices: Int { body["n"]?.intValue ?? 1 }

    /// `service_tier`: the tier the client asks to be served at (`priority`, `flex`, …).
    public var serviceTier: String? { body["service_tier"]?.stringValue }

    /// `enable_thinking` (Qwen's switch for its thinking mode, billed at its own output rate).
    public var enablesThinking: Bool { body["enable_thinking"]?.boolValue ?? false }

    /// Whether the request asks OpenAI for its 12-hour prompt cache (`prompt_cache_options.ttl`,
    /// or the older `prompt_cache_retention`, set to `12h`): the prompt tokens it writes are
    /// billed at the 12-hour write rate, above the 30-minute one.
    public var asksLongCacheRetention: Bool {
        body["prompt_cache_options"]?["ttl"]?.stringValue == "12h" || body["prompt_cache_retention"]?.stringValue == "12h"
    }

    /// Whether any part of the request asks for prompt caching (`cache_control`), and whether
    /// any asks for the 1-hour lifetime, billed higher than the 5-minute default.
    public var cacheControl: (any: Bool, oneHour: Bool) {
        Self.cacheControl(in: body, keys: ["messages", "tools", "system"])
    }

    /// Whether any `cache_control` under `body[keys]` is set, and whether any asks for `ttl: 1h`.
    static func cacheControl(in body: [String: JSONValue], keys: [String]) -> (any: Bool, oneHour: Bool) {
        var found = (any: false, oneHour: false)
        func visit(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if let control = object["cache_control"], !control.isNull {
                    found.any = true
                    if control["ttl"]?.stringValue == "1h" { found.oneHour = true }
                }
                for child in object.values { visit(child) }
            case .array(let array):
                for child in array { visit(child) }
            default:
                break
            }
        }
        for key in keys {
            if let value = body[key] { visit(value) }
        }
        return found
    }

    /// `metadata.task`, if the client set one.
    public var metadataTask: String? { body["metadata"]?["task"]?.stringValue }

    /// Who the app served the call for (see `EndUser`).
    public var endUser: String? { EndUser.read(body) }

    /// Removes `metadata.task` (Tollgate's own field) and drops `metadata` if nothing else is left.
    public mutating func removeMetadataTask() {
        guard body["metadata"]?["task"] != nil else { return }
        Self.removeMetadataTask(from: &body)
    }

    /// Removes `metadata.task` from a body, and `metadata` if nothing else is left in it.
    static func removeMetadataTask(from body: inout [String: JSONValue]) {
        guard var metadata = body["metadata"]?.objectValue, metadata["task"] != nil else { return }
        metadata["task"] = nil
        body["metadata"] = metadata.isEmpty ? nil : .object(metadata)
    }

    /// Asks the upstream to end a stream with a usage chunk, keeping other stream options.
    public mutating func requestStreamUsage() {
        var options = body["stream_options"]?.objectValue ?? [:]
        options["include_usage"] = .bool(true)
        body["stream_options"] = .object(options)
    }

    /// All text in the messages, for estimating input tokens.
    public var promptText: String {
        messages.map { ($0["content"] ?? .null).contentText() + "\n" }.joined()
    }

    /// An upper bound on the prompt's tokens, for budget reservations: no tokenizer makes more
    /// tokens than a text has bytes, so every text counts a token a byte; each message adds 16 for
    /// its framing, tool calls and tool definitions count by their JSON bytes, and every other part
    /// by `partTokenBound`.
    public var inputTokenBound: Int {
        var tokens = 0
        for message in messages {
            tokens = Usage.sum(tokens, 16)
            if let content = message["content"]?.stringValue {
                tokens = Usage.sum(tokens, content.utf8.count)
            } else if let parts = message["content"]?.arrayValue {
                for part in parts {
                    tokens = Usage.sum(tokens, Self.partTokenBound(part))
                }
            }
            if let calls = message["tool_calls"] {
                tokens = Usage.sum(tokens, Self.jsonBytes(calls))
            }
        }
        if let tools = body["tools"] {
            tokens = Usage.sum(tokens, Self.jsonBytes(tools))
        }
        return tokens
    }

    /// The most tokens one image costs on any provider Tollgate serves (OpenAI's patch-based
    /// models top out near 2,500, Claude near 1,600, Gemini's high media resolution near 1,100).
    public static let imageTokenBound = 6_000

    /// A content part's bound: a text part's bytes; an image `imageTokenBound`; audio, files and
    /// any other part their JSON bytes (a token a byte of their data), and at least the image bound.
    static func partTokenBound(_ part: JSONValue) -> Int {
        if let text = part["text"]?.stringValue { return text.utf8.count }
        if part["type"]?.stringValue == "image_url" { return imageTokenBound }
        return max(imageTokenBound, jsonBytes(part))
    }

    static func jsonBytes(_ value: JSONValue) -> Int {
        WireCoding.encode(value).readableBytes
    }

    /// The body to send: as it came when nothing in it changed, else written from `body`.
    public func encoded() throws -> ByteBuffer {
        if let received { return received }
        return WireCoding.encode(body)
    }
}
