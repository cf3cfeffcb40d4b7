import Foundation
import Hummingbird
import NIOCore
import OpenAIWire

/// The mock's OpenAI Responses endpoint, `POST /v1/responses`, streamed or not. Tokens follow
/// `MockTokens` as for chat: `instructions` are the cached system prompt, each input item is its
/// words plus one. With function tools (and `tool_choice` not `none`), the answer calls the first.
extension OpenAIMockRoutes {
    func responses(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        guard let json = try? WireCoding.decode(JSONValue.self, from: body), let model = json["model"]?.stringValue else {
            return try Self.error(400, "mock: 'model' is required")
        }
        let behaviour = MockBehaviour(model: model)
        if let response = try await Self.misbehave(behaviour, streaming: json["stream"]?.boolValue == true) { return response }
        var messages: [JSONValue] = []
        if let instructions = json["instructions"] { messages.append(["role": "system", "content": instructions]) }
        if let text = json["input"]?.stringValue {
            messages.append(["role": "user", "content": .string(text)])
        } else {
            for item in json["input"]?.arrayValue ?? [] {
                let content = item["content"] ?? item["output"] ?? item["arguments"] ?? ""
                messages.append(["role": item["role"] ?? "user", "content": .string(content.contentText(separator: " "))])
            }
        }
        let maxTokens = json["max_output_tokens"]?.intValue
        let usage = MockTokens.usage(model: model, messages: messages, maxTokens: maxTokens)
        let id = "resp_mock_\(nextID())"
        let words = MockTokens.reply(usage).joined(separator: " ")
        let toolName = json["tools"]?[0]?["name"]?.stringValue.flatMap { json["tool_choice"]?.stringValue == "none" ? nil : $0 }
        let usageJSON: JSONValue = [
            "input_tokens": .integer(Int64(usage.promptTokens)),
            "input_tokens_details": ["cached_tokens": .integer(Int64(usage.cachedTokens)), "cache_write_tokens": 0],
            "output_tokens": .integer(Int64(usage.completionTokens)),
            "output_tokens_details": ["reasoning_tokens": .integer(Int64(usage.reasoningTokens))],
            "total_tokens": .integer(Int64(usage.totalTokens)),
        ]
        let message: JSONValue = ["type": "message", "id": .string("msg_\(id)"), "status": "completed", "role": "assistant",
                                  "content": [["type": "output_text", "text": .string(words), "annotations": [], "logprobs": []]]]
        let call: JSONValue? = toolName.map {
            ["type": "function_call", "id": .string("fc_\(id)"), "call_id": .string("call_\(id)"), "name": .string($0),
             "arguments": "{\"location\":\"Paris\"}", "status": "completed"]
        }
        let incomplete = MockTokens.stoppedForLength(maxTokens)
        var response: [String: JSONValue] = [
            "id": .string(id), "object": "response", "created_at": .integer(Int64(Date().timeIntervalSince1970)),
            "status": incomplete ? "incomplete" : "completed", "error": .null,
            "incomplete_details": incomplete ? ["reason": "max_output_tokens"] : .null, "model": .string(model),
            "output": .array([message] + (call.map { [$0] } ?? [])), "usage": usageJSON, "service_tier": "default",
            "store": json["store"] ?? true, "parallel_tool_calls": true, "tool_choice": json["tool_choice"] ?? "auto",
            "tools": .array((json["tools"]?.arrayValue ?? []).map { tool in
                // OpenAI echoes a function tool with `strict` and `parameters` always present.
                guard var object = tool.objectValue, object["type"] == "function" else { return tool }
                object["strict"] = object["strict"] ?? true
                object["parameters"] = object["parameters"] ?? .null
                return .object(object)
            }), "instructions": json["instructions"] ?? .null, "metadata": json["metadata"] ?? [:],
            "temperature": 1, "top_p": 1,
        ]
        guard json["stream"]?.boolValue == true else { return try Response.json(.object(response)) }

        var events: [SSEEvent] = []
        func emit(_ type: String, _ fields: [String: JSONValue]) {
            var data = fields
            data["type"] = .string(type)
            data["sequence_number"] = .integer(Int64(events.count))
            events.append(SSEEvent(event: type, data: JSONValue.object(data).jsonText))
        }
        var started = response
        started["status"] = "in_progress"
        started["output"] = []
        started["usage"] = nil
        emit("response.created", ["response": .object(started)])
        emit("response.output_item.added", ["output_index": 0, "item": ["type": "message", "id": .string("msg_\(id)"),
                                                                         "status": "in_progress", "role": "assistant", "content": []]])
        emit("response.content_part.added", ["item_id": .string("msg_\(id)"), "output_index": 0, "content_index": 0,
                                              "part": ["type": "output_text", "text": "", "annotations": [], "logprobs": []]])
        for (index, word) in MockTokens.reply(usage).enumerated() {
            emit("response.output_text.delta", ["item_id": .string("msg_\(id)"), "output_index": 0, "content_index": 0,
                                                 "delta": .string(index == 0 ? word : " " + word), "logprobs": []])
        }
        emit("response.output_text.done", ["item_id": .string("msg_\(id)"), "output_index": 0, "content_index": 0, "text": .string(words), "logprobs": []])
        emit("response.output_item.done", ["output_index": 0, "item": message])
        if let call {
            var added = call.objectValue ?? [:]
            added["arguments"] = ""
            added["status"] = "in_progress"
            emit("response.output_item.added", ["output_index": 1, "item": .object(added)])
            emit("response.function_call_arguments.delta", ["item_id": .string("fc_\(id)"), "output_index": 1, "delta": "{\"location\":\"Paris\"}"])
            emit("response.function_call_arguments.done", ["item_id": .string("fc_\(id)"), "output_index": 1, "name": call["name"] ?? "",
                                                            "arguments": "{\"location\":\"Paris\"}"])
            emit("response.output_item.done", ["output_index": 1, "item": call])
        }
        if !behaviour.sendsUsage { response["usage"] = nil }
        emit(incomplete ? "response.incomplete" : "response.completed", ["response": .object(response)])
        return .eventStream(events, cut: behaviour.cutsStream, pause: behaviour.drips ? .milliseconds(100) : nil)
    }
}
