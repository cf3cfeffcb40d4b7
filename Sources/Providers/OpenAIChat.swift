import OpenAIWire

/// Pieces of OpenAI chat requests that every translation reads the same way.
enum OpenAIChat {
    /// An image part's URL split into a data URL's media type and base64 data, or nil for a web URL.
    static func dataURL(_ url: String) -> (mediaType: String, data: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        return (String(header.dropLast(7)), String(url[url.index(after: comma)...]))
    }

    /// `stop` as a list.
    static func stopSequences(_ stop: JSONValue?) -> [JSONValue]? {
        if let text = stop?.stringValue { return [.string(text)] }
        if let list = stop?.arrayValue, !list.isEmpty { return list }
        return nil
    }

    /// The JSON object a tool call's `arguments` string holds (an empty object when it holds none).
    static func arguments(_ text: String?) -> JSONValue {
        guard let text, !text.isEmpty, let value = try? JSONParser.parse(text), value.objectValue != nil else { return [:] }
        return value
    }

    /// A chat completion in OpenAI's shape.
    static func completion(id: String, model: String, created: Int64, content: String?, toolCalls: [JSONValue],
                           finishReason: String, usage: Usage) -> [String: JSONValue] {
        // OpenAI's schema requires `content` and `refusal`, null when there is none.
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null, "refusal": .null]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        return [
            "id": .string(id), "object": "chat.completion", "created": .integer(created), "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": .string(finishReason)]],
            "usage": usage.json, "service_tier": wireServiceTier(usage.serviceTier),
        ]
    }

    /// A chat completion from an OpenAI-compatible upstream with what OpenAI's schema requires and
    /// the upstream left out filled in as null (vLLM, Ollama and others omit `refusal` or
    /// `logprobs`), so clients generated from the schema accept it whichever upstream served it.
    /// Nil when nothing is missing, as in most answers: those are left as they came (and so may
    /// go on as the upstream's bytes).
    static func filledIn(_ body: [String: JSONValue]) -> [String: JSONValue]? {
        guard var choices = body["choices"]?.arrayValue else { return nil }
        var filled = false
        for index in choices.indices {
            guard var choice = choices[index].objectValue else { continue }
            var changed = fill(&choice, "index", with: .integer(Int64(index)))
            changed = fill(&choice, "logprobs", with: .null) || changed
            if var message = choice["message"]?.objectValue {
                var messageChanged = fill(&message, "role", with: "assistant")
                messageChanged = fill(&message, "content", with: .null) || messageChanged
                messageChanged = fill(&message, "refusal", with: .null) || messageChanged
                if messageChanged {
                    choice["message"] = .object(message)
                    changed = true
                }
            }
            // Written back only when changed: an answer that needs nothing is never copied.
            if changed {
                choices[index] = .object(choice)
                filled = true
            }
        }
        guard filled else { return nil }
        var body = body
        body["choices"] = .array(choices)
        return body
    }

    /// Sets `object[name]` to `value` when it has no such member; whether it did.
    private static func fill(_ object: inout [String: JSONValue], _ name: String, with value: JSONValue) -> Bool {
        guard object[name] == nil else { return false }
        object[name] = value
        return true
    }

    /// A provider's service tier in OpenAI's terms (its schema allows `auto`, `default`, `flex`,
    /// `scale`, `priority`, `fast` or null): Anthropic's `standard` is OpenAI's `default`; a tier
    /// OpenAI has no name for is null. The answer, and so the usage row and its billing, use these
    /// names (`default` is billed at the standard rates).
    static func wireServiceTier(_ tier: String?) -> JSONValue {
        switch tier {
        case "standard", "default": "default"
        case "auto", "flex", "scale", "priority", "fast": .string(tier!)
        default: .null
        }
    }

    /// One `chat.completion.chunk` event.
    static func chunk(id: String, model: String, created: Int64, delta: JSONValue, finishReason: String? = nil) -> SSEEvent {
        let chunk: JSONValue = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .integer(created), "model": .string(model),
            "choices": [["index": 0, "delta": delta, "finish_reason": finishReason.map(JSONValue.string) ?? .null]],
        ]
        return SSEEvent(data: chunk.jsonText)
    }

    /// The final usage chunk (`choices: []`), as OpenAI sends it with `include_usage`.
    static func usageChunk(id: String, model: String, created: Int64, usage: Usage) -> SSEEvent {
        let chunk: JSONValue = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .integer(created), "model": .string(model),
            "choices": [], "usage": usage.json, "service_tier": wireServiceTier(usage.serviceTier),
        ]
        return SSEEvent(data: chunk.jsonText)
    }
}
