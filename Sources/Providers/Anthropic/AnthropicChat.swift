import Foundation
import OpenAIWire

/// OpenAI chat requests to Anthropic Messages requests, and Messages answers back.
enum AnthropicChat {
    /// Output cap sent when the caller sets none: Anthropic requires `max_tokens`.
    static let defaultMaxTokens = 4096

    /// The Messages API body for an OpenAI chat request.
    static func request(_ chat: ChatCompletionRequest, model: String, stream: Bool) throws(ProviderError) -> JSONValue {
        var system: [JSONValue] = []
        var messages = ConversationTurns()

        for (index, message) in chat.messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                system += try blocks(message["content"], index: index, allowImages: false)
            case "user":
                messages.append("user", try blocks(message["content"], index: index, allowImages: true))
            case "assistant":
                var content = try blocks(message["content"], index: index, allowImages: false)
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    content.append([
                        "type": "tool_use", "id": .string(call["id"]?.stringValue ?? "call_\(index)"),
                        "name": .string(call["function"]?["name"]?.stringValue ?? ""),
                        "input": OpenAIChat.arguments(call["function"]?["arguments"]?.stringValue),
                    ])
                }
                messages.append("assistant", content)
            case "tool", "function":
                guard let id = message["tool_call_id"]?.stringValue else {
                    throw .untranslatable("anthropic", "messages[\(index)] (role \(role)) needs a 'tool_call_id'", param: "messages[\(index)].tool_call_id")
                }
                messages.append("user", [["type": "tool_result", "tool_use_id": .string(id), "content": .string((message["content"] ?? .null).contentText())]])
            default:
                throw .untranslatable("anthropic", "messages[\(index)] has the unknown role '\(role)'", param: "messages[\(index)].role")
            }
        }
        guard !messages.isEmpty else {
            throw .untranslatable("anthropic", "a request needs at least one user or assistant message", param: "messages")
        }

        var body: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .integer(Int64(chat.maxOutputTokens ?? defaultMaxTokens)),
            "messages": messages.json(piecesKey: "content"),
        ]
        if let instruction = responseFormatInstruction(chat.body["response_format"]) {
            system.append(["type": "text", "text": .string(instruction)])
        }
        if !system.isEmpty { body["system"] = .array(system) }
        if stream { body["stream"] = true }
        if let temperature = chat.body["temperature"], case .number(let value) = temperature {
            body["temperature"] = .number(min(value, 1))
        } else if let temperature = chat.body["temperature"]?.intValue {
            body["temperature"] = .integer(Int64(min(temperature, 1)))
        }
        if let topP = chat.body["top_p"], !topP.isNull { body["top_p"] = topP }
        if let stops = OpenAIChat.stopSequences(chat.body["stop"]) { body["stop_sequences"] = .array(stops) }
        if let user = chat.body["user"]?.stringValue { body["metadata"] = ["user_id": .string(user)] }
        if let tools = chat.body["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(tools.compactMap { tool in
                guard let function = tool["function"], let name = function["name"]?.stringValue else { return nil }
                var converted: [String: JSONValue] = ["name": .string(name), "input_schema": function["parameters"] ?? ["type": "object"]]
                if let description = function["description"] { converted["description"] = description }
                return .object(converted)
            })
            if var choice = toolChoice(chat.body["tool_choice"]) {
                if chat.body["parallel_tool_calls"]?.boolValue == false, choice["type"] != "none" {
                    choice["disable_parallel_tool_use"] = true
                }
                body["tool_choice"] = .object(choice)
            }
        }
        return .object(body)
    }

    /// Content blocks for a message's `content`: text parts and, for users, images.
    static func blocks(_ content: JSONValue?, index: Int, allowImages: Bool) throws(ProviderError) -> [JSONValue] {
        if let text = content?.stringValue {
            return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        }
        var blocks: [JSONValue] = []
        for part in content?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "text":
                var block: [String: JSONValue] = ["type": "text", "text": part["text"] ?? ""]
                // OpenRouter's convention: a part's cache_control reaches Anthropic's prompt cache.
                if let cacheControl = part["cache_control"] { block["cache_control"] = cacheControl }
                blocks.append(.object(block))
            case "image_url" where allowImages:
                guard let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue else {
                    throw .untranslatable("anthropic", "messages[\(index)] has an image part without a URL", param: "messages[\(index)].content")
                }
                if let (mediaType, data) = OpenAIChat.dataURL(url) {
                    blocks.append(["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]])
                } else {
                    blocks.append(["type": "image", "source": ["type": "url", "url": .string(url)]])
                }
            case let other:
                throw .untranslatable("anthropic", "messages[\(index)] has a content part of type '\(other ?? "?")' that Claude cannot take here",
                                      param: "messages[\(index)].content")
            }
        }
        return blocks
    }

    /// OpenAI `tool_choice` as Anthropic's.
    static func toolChoice(_ choice: JSONValue?) -> [String: JSONValue]? {
        switch choice {
        case .string("none"): return ["type": "none"]
        case .string("auto"): return ["type": "auto"]
        case .string("required"): return ["type": "any"]
        case .object(let object):
            if let name = object["function"]?["name"]?.stringValue { return ["type": "tool", "name": .string(name)] }
            return nil
        default: return nil
        }
    }

    /// Claude has no JSON mode: `response_format` becomes an instruction in the system prompt.
    static func responseFormatInstruction(_ format: JSONValue?) -> String? {
        switch format?["type"]?.stringValue {
        case "json_object":
            return "Respond with a single valid JSON object and nothing else."
        case "json_schema":
            let schema = format?["json_schema"]?["schema"].map(\.jsonText) ?? "{}"
            return "Respond with a single valid JSON object that conforms to this JSON Schema, and nothing else: \(schema)"
        default:
            return nil
        }
    }

    /// An OpenAI chat completion from a Messages answer.
    static func completion(_ message: JSONValue, model: String) throws(ProviderError) -> [String: JSONValue] {
        guard let content = message["content"]?.arrayValue else {
            throw .badResponse("anthropic", "a message without content")
        }
        var text = ""
        var calls: [JSONValue] = []
        for block in content {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use":
                calls.append([
                    "id": block["id"] ?? "", "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? [:]).jsonText)],
                ])
            default: break  // thinking and other blocks are not part of OpenAI's answer
            }
        }
        let usage = AnthropicUsage.usage(message["usage"] ?? [:])
        return OpenAIChat.completion(
            id: message["id"]?.stringValue ?? "msg", model: model, created: Int64(Date().timeIntervalSince1970),
            content: text.isEmpty && !calls.isEmpty ? nil : text, toolCalls: calls,
            finishReason: finishReason(message["stop_reason"]?.stringValue), usage: usage)
    }

    /// Anthropic's `stop_reason` as OpenAI's `finish_reason`.
    static func finishReason(_ reason: String?) -> String {
        switch reason {
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"  // end_turn, stop_sequence, pause_turn
        }
    }
}
