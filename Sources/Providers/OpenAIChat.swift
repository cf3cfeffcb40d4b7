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
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        return [
            "id": .string(id), "object": "chat.completion", "created": .integer(created), "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": .string(finishReason)]],
            "usage": usage.json, "service_tier": usage.serviceTier.map(JSONValue.string) ?? .null,
        ]
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
            "choices": [], "usage": usage.json, "service_tier": usage.serviceTier.map(JSONValue.string) ?? .null,
        ]
        return SSEEvent(data: chunk.jsonText)
    }
}
