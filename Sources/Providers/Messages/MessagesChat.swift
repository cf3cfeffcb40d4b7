import Foundation
import OpenAIWire

/// Anthropic Messages requests as OpenAI chat requests, for deployments that do not speak the
/// Messages API (OpenAI-compatible and Gemini), and their chat answers back as Messages.
public enum MessagesChat {
    /// The chat request for `request`, to be sent to `provider`. Thinking settings, `cache_control`
    /// and other Claude-only fields have no meaning there and are dropped; server tools and
    /// documents cannot be carried and are refused (400 `unsupported_for_provider`).
    public static func chatRequest(_ request: MessagesRequest, provider: String) throws(ProviderError) -> ChatCompletionRequest {
        var messages: [JSONValue] = []
        let system = MessagesRequest.blocks(request.body["system"]).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        if !system.isEmpty { messages.append(["role": "system", "content": .string(system)]) }
        for (index, message) in request.messages.enumerated() {
            let role = message["role"]?.stringValue ?? "user"
            if let text = message["content"]?.stringValue {
                messages.append(["role": .string(role), "content": .string(text)])
                continue
            }
            var parts: [JSONValue] = []
            var calls: [JSONValue] = []
            var results: [JSONValue] = []
            for block in message["content"]?.arrayValue ?? [] {
                switch block["type"]?.stringValue {
                case "text":
                    parts.append(["type": "text", "text": block["text"] ?? ""])
                case "image" where role == "user":
                    parts.append(["type": "image_url", "image_url": ["url": .string(try imageURL(block, provider: provider, index: index))]])
                case "tool_use" where role == "assistant":
                    calls.append([
                        "id": block["id"] ?? "", "type": "function",
                        "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? [:]).jsonText)],
                    ])
                case "tool_result" where role == "user":
                    results.append(["role": "tool", "tool_call_id": block["tool_use_id"] ?? "",
                                    "content": .string((block["content"] ?? "").contentText())])
                case "thinking", "redacted_thinking":
                    continue  // Claude's own reasoning: no other model can read it back
                case let other:
                    throw .untranslatable(provider, "messages.\(index) has a '\(other ?? "?")' block, which only Claude can take",
                                          param: "messages.\(index).content")
                }
            }
            // Tool results answer the previous turn's calls: they come before the user's new words.
            messages += results
            if role == "assistant" {
                var turn: [String: JSONValue] = ["role": "assistant", "content": parts.isEmpty ? .null : .string(parts.map { $0.contentText() }.joined())]
                if !calls.isEmpty { turn["tool_calls"] = .array(calls) }
                if !parts.isEmpty || !calls.isEmpty { messages.append(.object(turn)) }
            } else if !parts.isEmpty {
                messages.append(["role": "user", "content": .array(parts)])
            }
        }

        var body: [String: JSONValue] = ["messages": .array(messages)]
        body["model"] = request.body["model"]
        // OpenAI's reasoning models refuse `max_tokens`; other servers may not know the newer name.
        body[provider == "openai" ? "max_completion_tokens" : "max_tokens"] = .integer(Int64(request.maxTokens))
        if request.isStreaming { body["stream"] = true }
        for key in ["temperature", "top_p"] {
            if let value = request.body[key], !value.isNull { body[key] = value }
        }
        if let stops = request.body["stop_sequences"]?.arrayValue, !stops.isEmpty { body["stop"] = .array(stops) }
        if let user = request.endUser { body["user"] = .string(user) }
        if let tools = request.body["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(try tools.enumerated().map { (index, tool) throws(ProviderError) -> JSONValue in
                if let type = tool["type"]?.stringValue, type != "custom" {
                    throw .untranslatable(provider, "tools.\(index) is Anthropic's server tool '\(type)', which only Claude can run",
                                          param: "tools.\(index)")
                }
                var function: [String: JSONValue] = ["name": tool["name"] ?? "", "parameters": tool["input_schema"] ?? ["type": "object"]]
                if let description = tool["description"] { function["description"] = description }
                return ["type": "function", "function": .object(function)]
            })
            let choice = request.body["tool_choice"]
            switch choice?["type"]?.stringValue {
            case "any": body["tool_choice"] = "required"
            case "none": body["tool_choice"] = "none"
            case "tool": body["tool_choice"] = ["type": "function", "function": ["name": choice?["name"] ?? ""]]
            default: break
            }
            if choice?["disable_parallel_tool_use"]?.boolValue == true { body["parallel_tool_calls"] = false }
        }
        do {
            return try ChatCompletionRequest(json: .object(body))
        } catch {
            throw .untranslatable(provider, error.message, param: error.param)
        }
    }

    /// An image block's source as a URL: base64 data as a data URL.
    static func imageURL(_ block: JSONValue, provider: String, index: Int) throws(ProviderError) -> String {
        let source = block["source"] ?? [:]
        switch source["type"]?.stringValue {
        case "base64":
            return "data:\(source["media_type"]?.stringValue ?? "image/png");base64,\(source["data"]?.stringValue ?? "")"
        case "url":
            if let url = source["url"]?.stringValue { return url }
        default:
            break
        }
        throw .untranslatable(provider, "messages.\(index) has an image whose source is neither base64 data nor a URL",
                              param: "messages.\(index).content")
    }

    /// A Messages answer from a chat completion, as `model`.
    public static func message(from completion: [String: JSONValue], model: String) -> [String: JSONValue] {
        let choice = completion["choices"]?[0] ?? [:]
        let answer = choice["message"] ?? [:]
        var content: [JSONValue] = []
        if let text = answer["content"]?.stringValue, !text.isEmpty { content.append(["type": "text", "text": .string(text)]) }
        for call in answer["tool_calls"]?.arrayValue ?? [] {
            content.append([
                "type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "",
                "input": OpenAIChat.arguments(call["function"]?["arguments"]?.stringValue),
            ])
        }
        let usage = completion["usage"].flatMap(Usage.init(json:)) ?? Usage(promptTokens: 0, completionTokens: 0)
        return [
            "id": .string(messageID(completion["id"]?.stringValue)), "type": "message", "role": "assistant", "model": .string(model),
            "content": .array(content), "stop_reason": .string(stopReason(choice["finish_reason"]?.stringValue)),
            "stop_sequence": .null, "usage": usageJSON(usage),
        ]
    }

    static func messageID(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "msg_tollgate" }
        return id.hasPrefix("msg") ? id : "msg_" + id
    }

    /// OpenAI's `finish_reason` as Anthropic's `stop_reason`.
    static func stopReason(_ reason: String?) -> String {
        switch reason {
        case "length": "max_tokens"
        case "tool_calls", "function_call": "tool_use"
        case "content_filter": "refusal"
        default: "end_turn"
        }
    }

    /// OpenAI's usage in Anthropic's shape: `input_tokens` without the cache reads and writes.
    static func usageJSON(_ usage: Usage) -> JSONValue {
        var json: [String: JSONValue] = [
            "input_tokens": .integer(Int64(max(usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens, 0))),
            "output_tokens": .integer(Int64(usage.completionTokens)),
            "cache_read_input_tokens": .integer(Int64(usage.cachedTokens)),
            "cache_creation_input_tokens": .integer(Int64(usage.cacheWriteTokens)),
        ]
        if let tier = usage.serviceTier { json["service_tier"] = .string(tier) }
        return .object(json)
    }
}
