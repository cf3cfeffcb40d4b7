import Foundation
import OpenAIWire

/// Anthropic's stream events as OpenAI chunks: `message_start` opens the assistant turn, text and
/// tool-argument deltas become content and `tool_calls` deltas, `message_delta` brings the finish
/// reason and output tokens, `message_stop` ends with the usage chunk and `[DONE]`.
struct AnthropicStreamTranslator: StreamTranslator {
    let model: String
    var id = "msg"
    let created = Int64(Date().timeIntervalSince1970)
    /// The usage so far: `message_start` brings the input and cache buckets, each `message_delta`
    /// cumulative counts (output tokens at least).
    var usageJSON: [String: JSONValue] = [:]
    var started = false
    /// Content block index → the OpenAI tool call index it streams.
    var toolCalls: [Int: Int] = [:]
    var finished = false

    init(model: String) {
        self.model = model
    }

    mutating func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        guard let data = try? JSONParser.parse(event.data) else {
            throw ProviderError.badResponse("anthropic", "a stream event that is not JSON")
        }
        switch data["type"]?.stringValue ?? event.event {
        case "message_start":
            id = data["message"]?["id"]?.stringValue ?? id
            usageJSON = data["message"]?["usage"]?.objectValue ?? [:]
            started = true
            return [chunk(["role": "assistant", "content": ""])]
        case "content_block_start":
            let block = data["content_block"] ?? [:]
            guard block["type"]?.stringValue == "tool_use", let index = data["index"]?.intValue else {
                if let text = block["text"]?.stringValue, !text.isEmpty { return [chunk(["content": .string(text)])] }
                return []
            }
            let callIndex = toolCalls.count
            toolCalls[index] = callIndex
            return [chunk(["tool_calls": [[
                "index": .integer(Int64(callIndex)), "id": block["id"] ?? "", "type": "function",
                "function": ["name": block["name"] ?? "", "arguments": ""],
            ]]])]
        case "content_block_delta":
            let delta = data["delta"] ?? [:]
            switch delta["type"]?.stringValue {
            case "text_delta":
                return [chunk(["content": delta["text"] ?? ""])]
            case "input_json_delta":
                guard let index = data["index"]?.intValue, let callIndex = toolCalls[index] else { return [] }
                return [chunk(["tool_calls": [["index": .integer(Int64(callIndex)), "function": ["arguments": delta["partial_json"] ?? ""]]]])]
            default:
                return []  // thinking and signature deltas are not part of OpenAI's stream
            }
        case "message_delta":
            for (field, value) in data["usage"]?.objectValue ?? [:] where !value.isNull { usageJSON[field] = value }
            guard let reason = data["delta"]?["stop_reason"]?.stringValue else { return [] }
            return [chunk([:], finishReason: AnthropicChat.finishReason(reason))]
        case "message_stop":
            finished = true
            return [OpenAIChat.usageChunk(id: id, model: model, created: created, usage: usage), .done]
        case "error":
            throw AnthropicErrors.streamError(data)
        default:
            return []  // ping, content_block_stop
        }
    }

    mutating func finish() throws -> [SSEEvent] {
        // A stream that ends without message_stop was cut: no usage is invented for it.
        []
    }

    var usage: Usage {
        AnthropicUsage.usage(.object(usageJSON))
    }

    /// What Anthropic has reported once `message_start` arrived: it bills at least that much
    /// however the stream ends.
    var usageSoFar: Usage? {
        started ? usage : nil
    }

    func chunk(_ delta: JSONValue, finishReason: String? = nil) -> SSEEvent {
        OpenAIChat.chunk(id: id, model: model, created: created, delta: delta, finishReason: finishReason)
    }
}
