import Foundation
import OpenAIWire

/// OpenAI Responses requests as chat completions, for deployments that do not serve the Responses
/// API (Anthropic, Gemini, most OpenAI-compatible servers), and chat answers back as Responses.
/// Text, images and function tools are carried; server-side state (`store`, `previous_response_id`,
/// `conversation`, `background`) and built-in tools are not, and are refused with 400
/// `unsupported_for_provider`.
public enum ResponsesChat {
    public static func chatRequest(_ request: ResponsesRequest, provider: String) throws(ProviderError) -> ChatCompletionRequest {
        let body = request.body
        if body["store"]?.boolValue == true {
            throw .untranslatable(provider, "'store': true keeps the response on the server, which only OpenAI's Responses API does; send 'store': false", param: "store")
        }
        for field in ["previous_response_id", "conversation", "prompt"] where body[field] != nil && body[field] != .null {
            throw .untranslatable(provider, "'\(field)' refers to state kept by OpenAI's Responses API, which this model's provider does not have", param: field)
        }
        if body["background"]?.boolValue == true {
            throw .untranslatable(provider, "background responses are kept by OpenAI's Responses API only", param: "background")
        }

        var messages: [JSONValue] = []
        if let instructions = body["instructions"]?.stringValue, !instructions.isEmpty {
            messages.append(["role": "system", "content": .string(instructions)])
        }
        for (index, item) in request.items.enumerated() {
            switch item["type"]?.stringValue ?? "message" {
            case "message":
                let role = item["role"]?.stringValue ?? "user"
                let chatRole = role == "developer" ? "system" : role
                guard ["user", "assistant", "system"].contains(chatRole) else {
                    throw .untranslatable(provider, "input[\(index)] has the unknown role '\(role)'", param: "input[\(index)].role")
                }
                if let text = item["content"]?.stringValue {
                    messages.append(["role": .string(chatRole), "content": .string(text)])
                    continue
                }
                var parts: [JSONValue] = []
                for part in item["content"]?.arrayValue ?? [] {
                    switch part["type"]?.stringValue {
                    case "input_text", "output_text", "text":
                        parts.append(["type": "text", "text": part["text"] ?? ""])
                    case "input_image":
                        guard let url = part["image_url"]?.stringValue else {
                            throw .untranslatable(provider, "input[\(index)] has an image by file id, which only OpenAI can resolve", param: "input[\(index)].content")
                        }
                        var image: [String: JSONValue] = ["url": .string(url)]
                        if let detail = part["detail"]?.stringValue { image["detail"] = .string(detail) }
                        parts.append(["type": "image_url", "image_url": .object(image)])
                    case let other:
                        throw .untranslatable(provider, "input[\(index)] has a '\(other ?? "?")' part, which this model's provider cannot take",
                                              param: "input[\(index)].content")
                    }
                }
                if chatRole == "user" {
                    messages.append(["role": "user", "content": .array(parts)])
                } else {
                    messages.append(["role": .string(chatRole), "content": .string(parts.map { $0.contentText() }.joined())])
                }
            case "function_call":
                let call: JSONValue = ["id": item["call_id"] ?? "", "type": "function",
                                       "function": ["name": item["name"] ?? "", "arguments": item["arguments"] ?? "{}"]]
                // Calls of one turn go into one assistant message, with its text if it had any.
                if var last = messages.last?.objectValue, last["role"] == "assistant" {
                    last["tool_calls"] = .array((last["tool_calls"]?.arrayValue ?? []) + [call])
                    messages[messages.count - 1] = .object(last)
                } else {
                    messages.append(["role": "assistant", "content": .null, "tool_calls": [call]])
                }
            case "function_call_output":
                let output = item["output"]?.stringValue ?? (item["output"] ?? "").contentText()
                messages.append(["role": "tool", "tool_call_id": item["call_id"] ?? "", "content": .string(output)])
            case "reasoning":
                continue  // a model's own reasoning: no other model can read it back
            case let other:
                throw .untranslatable(provider, "input[\(index)] is a '\(other)' item, which this model's provider cannot take", param: "input[\(index)]")
            }
        }

        var chat: [String: JSONValue] = ["model": body["model"] ?? .null, "messages": .array(messages)]
        if let limit = request.maxOutputTokens {
            chat[provider == "openai" ? "max_completion_tokens" : "max_tokens"] = .integer(Int64(limit))
        }
        if request.isStreaming { chat["stream"] = true }
        for key in ["temperature", "top_p", "parallel_tool_calls", "user", "safety_identifier", "service_tier", "prompt_cache_key"] {
            if let value = body[key], !value.isNull { chat[key] = value }
        }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty {
            chat["tools"] = .array(try tools.enumerated().map { (index, tool) throws(ProviderError) -> JSONValue in
                guard tool["type"]?.stringValue == "function" else {
                    throw .untranslatable(provider, "tools[\(index)] is the built-in tool '\(tool["type"]?.stringValue ?? "?")', which only OpenAI runs",
                                          param: "tools[\(index)]")
                }
                var function: [String: JSONValue] = ["name": tool["name"] ?? "", "parameters": tool["parameters"] ?? ["type": "object"]]
                if let description = tool["description"], !description.isNull { function["description"] = description }
                if let strict = tool["strict"], !strict.isNull { function["strict"] = strict }
                return ["type": "function", "function": .object(function)]
            })
            switch body["tool_choice"] {
            case .string(let mode)?: chat["tool_choice"] = .string(mode)
            case .object(let choice)? where choice["type"] == "function":
                chat["tool_choice"] = ["type": "function", "function": ["name": choice["name"] ?? ""]]
            default: break
            }
        }
        if let format = body["text"]?["format"], let type = format["type"]?.stringValue, type != "text" {
            if type == "json_schema" {
                var schema: [String: JSONValue] = ["name": format["name"] ?? "response", "schema": format["schema"] ?? [:]]
                if let strict = format["strict"], !strict.isNull { schema["strict"] = strict }
                chat["response_format"] = ["type": "json_schema", "json_schema": .object(schema)]
            } else {
                chat["response_format"] = ["type": .string(type)]
            }
        }
        do {
            return try ChatCompletionRequest(json: .object(chat))
        } catch {
            throw .untranslatable(provider, error.message, param: error.param)
        }
    }

    /// A Response from a chat completion, as `model`, echoing the request's settings.
    public static func response(from completion: [String: JSONValue], request: ResponsesRequest, model: String) -> [String: JSONValue] {
        let choice = completion["choices"]?[0] ?? [:]
        let message = choice["message"] ?? [:]
        let id = responseID(completion["id"]?.stringValue)
        var output: [JSONValue] = []
        if let text = message["content"]?.stringValue, !text.isEmpty {
            output.append(messageItem(id: "msg_" + id.dropFirst(5), text: text, status: "completed"))
        }
        for (index, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            output.append(functionCallItem(id: "fc_\(id.dropFirst(5))_\(index)", callID: call["id"]?.stringValue ?? "call_\(index)",
                                           name: call["function"]?["name"]?.stringValue ?? "",
                                           arguments: call["function"]?["arguments"]?.stringValue ?? "{}", status: "completed"))
        }
        let usage = completion["usage"].flatMap(Usage.init(json:))
        var response = envelope(id: id, request: request, model: model, status: "completed", createdAt: completion["created"]?.intValue.map(Int64.init))
        response["output"] = .array(output)
        if choice["finish_reason"]?.stringValue == "length" {
            response["status"] = "incomplete"
            response["incomplete_details"] = ["reason": "max_output_tokens"]
        } else if choice["finish_reason"]?.stringValue == "content_filter" {
            response["status"] = "incomplete"
            response["incomplete_details"] = ["reason": "content_filter"]
        }
        if let usage { response["usage"] = usageJSON(usage) }
        response["service_tier"] = completion["service_tier"] ?? .null
        return response
    }

    static func responseID(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "resp_tollgate" }
        return id.hasPrefix("resp_") ? id : "resp_" + id
    }

    /// The Response object's fields besides `output` and `usage`: what OpenAI's schema requires,
    /// with the request's own settings echoed.
    static func envelope(id: String, request: ResponsesRequest, model: String, status: String, createdAt: Int64?) -> [String: JSONValue] {
        let body = request.body
        return [
            "id": .string(id), "object": "response", "created_at": .integer(createdAt ?? Int64(Date().timeIntervalSince1970)),
            "status": .string(status), "error": .null, "incomplete_details": .null, "model": .string(model),
            "instructions": body["instructions"] ?? .null, "max_output_tokens": body["max_output_tokens"] ?? .null,
            "metadata": body["metadata"] ?? [:], "parallel_tool_calls": body["parallel_tool_calls"] ?? true,
            "previous_response_id": .null, "store": false, "temperature": body["temperature"] ?? .null, "top_p": body["top_p"] ?? .null,
            "tool_choice": body["tool_choice"] ?? "auto", "tools": .array((body["tools"]?.arrayValue ?? []).map(echoedTool)),
            "text": body["text"] ?? ["format": ["type": "text"]], "truncation": "disabled", "reasoning": ["effort": .null, "summary": .null],
            "output": [],
        ].merging(body["user"].map { ["user": $0] } ?? [:]) { $1 }
    }

    /// A tool as a Response echoes it: a function tool always carries `strict` and `parameters`
    /// (null when the request set none), as OpenAI's schema requires.
    static func echoedTool(_ tool: JSONValue) -> JSONValue {
        guard var object = tool.objectValue, object["type"] == "function" else { return tool }
        if object["strict"] == nil { object["strict"] = .null }
        if object["parameters"] == nil { object["parameters"] = .null }
        return .object(object)
    }

    static func messageItem(id: String, text: String, status: String) -> JSONValue {
        ["type": "message", "id": .string(id), "status": .string(status), "role": "assistant",
         "content": [["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]]]
    }

    static func functionCallItem(id: String, callID: String, name: String, arguments: String, status: String) -> JSONValue {
        ["type": "function_call", "id": .string(id), "call_id": .string(callID), "name": .string(name),
         "arguments": .string(arguments), "status": .string(status)]
    }

    /// OpenAI's chat usage in the Responses API's shape.
    static func usageJSON(_ usage: Usage) -> JSONValue {
        [
            "input_tokens": .integer(Int64(usage.promptTokens)),
            "input_tokens_details": ["cached_tokens": .integer(Int64(usage.cachedTokens)), "cache_write_tokens": .integer(Int64(usage.cacheWriteTokens))],
            "output_tokens": .integer(Int64(usage.completionTokens)),
            "output_tokens_details": ["reasoning_tokens": .integer(Int64(usage.reasoningTokens))],
            "total_tokens": .integer(Int64(usage.totalTokens)),
        ]
    }
}

/// The Responses API's usage in OpenAI's chat terms: `input_tokens` includes the cached and the
/// written tokens, `output_tokens` the reasoning ones.
public enum ResponsesUsage {
    public static func usage(_ json: JSONValue) -> Usage? {
        guard json["input_tokens"] != nil || json["output_tokens"] != nil else { return nil }
        let details = json["input_tokens_details"]
        return Usage(
            promptTokens: Usage.count(json["input_tokens"]),
            completionTokens: Usage.count(json["output_tokens"]),
            cachedTokens: Usage.count(details?["cached_tokens"]),
            cacheWriteTokens: Usage.count(details?["cache_write_tokens"]),
            cacheWrite1hTokens: Usage.count(details?["cache_write_tokens_details"]?["ttl_12h_tokens"]),
            reasoningTokens: Usage.count(json["output_tokens_details"]?["reasoning_tokens"]))
    }
}
