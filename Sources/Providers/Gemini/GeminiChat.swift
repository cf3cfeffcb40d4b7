import Foundation
import OpenAIWire

/// OpenAI chat requests to Gemini `generateContent` requests, and Gemini answers back.
enum GeminiChat {
    /// The `generateContent` body for an OpenAI chat request.
    static func request(_ chat: ChatCompletionRequest) throws(ProviderError) -> JSONValue {
        var system: [JSONValue] = []
        var contents = ConversationTurns()
        var toolNames: [String: String] = [:]

        for (index, message) in chat.messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                let text = (message["content"] ?? .null).contentText()
                if !text.isEmpty { system.append(["text": .string(text)]) }
            case "user":
                contents.append("user", try parts(message["content"], index: index))
            case "assistant":
                var parts = try parts(message["content"], index: index)
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let name = call["function"]?["name"]?.stringValue ?? ""
                    if let id = call["id"]?.stringValue { toolNames[id] = name }
                    parts.append(["functionCall": ["name": .string(name), "args": OpenAIChat.arguments(call["function"]?["arguments"]?.stringValue)]])
                }
                contents.append("model", parts)
            case "tool", "function":
                let name = message["tool_call_id"]?.stringValue.flatMap { toolNames[$0] } ?? message["name"]?.stringValue ?? "function"
                let text = (message["content"] ?? .null).contentText()
                let response: JSONValue = (try? JSONParser.parse(text)).flatMap { $0.objectValue != nil ? $0 : nil } ?? ["content": .string(text)]
                contents.append("user", [["functionResponse": ["name": .string(name), "response": response]]])
            default:
                throw .untranslatable("gemini", "messages[\(index)] has the unknown role '\(role)'", param: "messages[\(index)].role")
            }
        }
        guard !contents.isEmpty else {
            throw .untranslatable("gemini", "a request needs at least one user or assistant message", param: "messages")
        }

        var body: [String: JSONValue] = [
            "contents": contents.json(piecesKey: "parts"),
        ]
        if !system.isEmpty { body["systemInstruction"] = ["parts": .array(system)] }

        var config: [String: JSONValue] = [:]
        if let value = chat.body["temperature"], !value.isNull { config["temperature"] = value }
        if let value = chat.body["top_p"], !value.isNull { config["topP"] = value }
        if let value = chat.maxOutputTokens { config["maxOutputTokens"] = .integer(Int64(value)) }
        if let stops = OpenAIChat.stopSequences(chat.body["stop"]) { config["stopSequences"] = .array(stops) }
        if let value = chat.body["n"], !value.isNull { config["candidateCount"] = value }
        if let value = chat.body["seed"], !value.isNull { config["seed"] = value }
        if let value = chat.body["presence_penalty"], !value.isNull { config["presencePenalty"] = value }
        if let value = chat.body["frequency_penalty"], !value.isNull { config["frequencyPenalty"] = value }
        switch chat.body["response_format"]?["type"]?.stringValue {
        case "json_object":
            config["responseMimeType"] = "application/json"
        case "json_schema":
            config["responseMimeType"] = "application/json"
            if let schema = chat.body["response_format"]?["json_schema"]?["schema"] { config["responseJsonSchema"] = schema }
        default:
            break
        }
        if !config.isEmpty { body["generationConfig"] = .object(config) }

        if let tools = chat.body["tools"]?.arrayValue, !tools.isEmpty {
            let declarations: [JSONValue] = tools.compactMap { tool in
                guard let function = tool["function"], let name = function["name"]?.stringValue else { return nil }
                var declaration: [String: JSONValue] = ["name": .string(name)]
                if let description = function["description"] { declaration["description"] = description }
                if let parameters = function["parameters"] { declaration["parameters"] = schema(parameters) }
                return .object(declaration)
            }
            body["tools"] = [["functionDeclarations": .array(declarations)]]
            if let mode = toolConfig(chat.body["tool_choice"]) { body["toolConfig"] = ["functionCallingConfig": .object(mode)] }
        }
        return .object(body)
    }

    /// Parts for a user or assistant message's `content`: text and inline images.
    static func parts(_ content: JSONValue?, index: Int) throws(ProviderError) -> [JSONValue] {
        if let text = content?.stringValue {
            return text.isEmpty ? [] : [["text": .string(text)]]
        }
        var parts: [JSONValue] = []
        for part in content?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "text":
                parts.append(["text": part["text"] ?? ""])
            case "image_url":
                guard let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue else {
                    throw .untranslatable("gemini", "messages[\(index)] has an image part without a URL", param: "messages[\(index)].content")
                }
                if let (mediaType, data) = OpenAIChat.dataURL(url) {
                    parts.append(["inlineData": ["mimeType": .string(mediaType), "data": .string(data)]])
                } else {
                    parts.append(["fileData": ["mimeType": .string(mimeType(ofURL: url)), "fileUri": .string(url)]])
                }
            case let other:
                throw .untranslatable("gemini", "messages[\(index)] has a content part of type '\(other ?? "?")' that Gemini cannot take here",
                                      param: "messages[\(index)].content")
            }
        }
        return parts
    }

    static func mimeType(ofURL url: String) -> String {
        let path = url.split(separator: "?").first.map(String.init)?.lowercased() ?? ""
        if path.hasSuffix(".png") { return "image/png" }
        if path.hasSuffix(".webp") { return "image/webp" }
        if path.hasSuffix(".gif") { return "image/gif" }
        return "image/jpeg"
    }

    /// A JSON Schema without the keywords Gemini's function declarations refuse.
    static func schema(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var cleaned: [String: JSONValue] = [:]
            for (key, member) in object where key != "additionalProperties" && key != "$schema" && key != "strict" {
                cleaned[key] = schema(member)
            }
            return .object(cleaned)
        case .array(let elements):
            return .array(elements.map(schema))
        default:
            return value
        }
    }

    /// OpenAI `tool_choice` as Gemini's `functionCallingConfig`.
    static func toolConfig(_ choice: JSONValue?) -> [String: JSONValue]? {
        switch choice {
        case .string("none"): return ["mode": "NONE"]
        case .string("auto"): return ["mode": "AUTO"]
        case .string("required"): return ["mode": "ANY"]
        case .object(let object):
            guard let name = object["function"]?["name"]?.stringValue else { return nil }
            return ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        default: return nil
        }
    }

    /// An OpenAI chat completion from a `generateContent` answer.
    static func completion(_ answer: JSONValue, model: String) -> [String: JSONValue] {
        let candidate = answer["candidates"]?[0]
        var text = ""
        var calls: [JSONValue] = []
        for part in candidate?["content"]?["parts"]?.arrayValue ?? [] where part["thought"]?.boolValue != true {
            if let piece = part["text"]?.stringValue { text += piece }
            if let call = part["functionCall"] {
                calls.append(toolCall(call, index: calls.count))
            }
        }
        let finish: String
        if candidate == nil, answer["promptFeedback"]?["blockReason"] != nil {
            finish = "content_filter"
        } else {
            finish = finishReason(candidate?["finishReason"]?.stringValue, calledTools: !calls.isEmpty)
        }
        return OpenAIChat.completion(
            id: answer["responseId"]?.stringValue ?? "gemini", model: model, created: Int64(Date().timeIntervalSince1970),
            content: text.isEmpty && (!calls.isEmpty || finish == "content_filter") ? nil : text, toolCalls: calls,
            finishReason: finish, usage: GeminiUsage.usage(answer["usageMetadata"] ?? [:]))
    }

    static func toolCall(_ call: JSONValue, index: Int) -> JSONValue {
        [
            "id": .string(call["id"]?.stringValue ?? "call_\(index)"), "type": "function",
            "function": ["name": call["name"] ?? "", "arguments": .string((call["args"] ?? [:]).jsonText)],
        ]
    }

    /// Gemini's `finishReason` as OpenAI's `finish_reason`.
    static func finishReason(_ reason: String?, calledTools: Bool) -> String {
        switch reason {
        case "MAX_TOKENS": return "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": return "content_filter"
        default: return calledTools ? "tool_calls" : "stop"
        }
    }
}
