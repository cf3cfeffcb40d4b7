import Foundation
import OpenAIWire

/// OpenAI chat chunks as Anthropic's Messages stream: `message_start`, a content block per text run
/// or tool call (`content_block_start`, deltas, `content_block_stop`), then `message_delta` with
/// the stop reason and the usage, and `message_stop`. The usage arrives in OpenAI's last chunk, so
/// `message_start` carries zeros and `message_delta` the whole count, input included.
public struct ChatToMessagesStream: StreamTranslator {
    let model: String
    var id = "msg_tollgate"
    var started = false
    /// The index and kind of the content block being streamed.
    var open: (index: Int, toolCall: Int?)?
    var nextIndex = 0
    /// OpenAI tool call index → content block index.
    var toolBlocks: [Int: Int] = [:]
    var stopReason = "end_turn"
    var usage: Usage?

    public init(model: String) {
        self.model = model
    }

    public mutating func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        if event.data == "[DONE]" { return end() }
        guard let chunk = try? JSONParser.parse(event.data) else {
            throw ProviderError.badResponse(model, "a stream event that is not JSON")
        }
        var events: [SSEEvent] = []
        if !started {
            started = true
            id = MessagesChat.messageID(chunk["id"]?.stringValue)
            events.append(Self.event("message_start", ["type": "message_start", "message": [
                "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                "stop_reason": .null, "stop_sequence": .null, "usage": ["input_tokens": 0, "output_tokens": 0],
            ]]))
        }
        if let usageJSON = chunk["usage"], !usageJSON.isNull, var usage = Usage(json: usageJSON) {
            usage.serviceTier = chunk["service_tier"]?.stringValue
            self.usage = usage
        }
        guard let choice = chunk["choices"]?[0] else { return events }
        let delta = choice["delta"] ?? [:]
        if let text = delta["content"]?.stringValue, !text.isEmpty {
            if open == nil || open?.toolCall != nil { events += startBlock(["type": "text", "text": ""], toolCall: nil) }
            events.append(Self.event("content_block_delta", ["type": "content_block_delta", "index": .integer(Int64(open!.index)),
                                                             "delta": ["type": "text_delta", "text": .string(text)]]))
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            let callIndex = call["index"]?.intValue ?? 0
            if toolBlocks[callIndex] == nil {
                events += startBlock(["type": "tool_use", "id": call["id"] ?? .string("toolu_\(callIndex)"),
                                      "name": call["function"]?["name"] ?? "", "input": [:]], toolCall: callIndex)
                toolBlocks[callIndex] = open!.index
            }
            if let arguments = call["function"]?["arguments"]?.stringValue, !arguments.isEmpty, let block = toolBlocks[callIndex] {
                events.append(Self.event("content_block_delta", ["type": "content_block_delta", "index": .integer(Int64(block)),
                                                                 "delta": ["type": "input_json_delta", "partial_json": .string(arguments)]]))
            }
        }
        if let reason = choice["finish_reason"]?.stringValue { stopReason = MessagesChat.stopReason(reason) }
        return events
    }

    public mutating func finish() throws -> [SSEEvent] {
        []  // a chat stream that ends without [DONE] was cut: the Messages stream is left unended too
    }

    mutating func startBlock(_ block: JSONValue, toolCall: Int?) -> [SSEEvent] {
        var events = closeBlock()
        open = (nextIndex, toolCall)
        events.append(Self.event("content_block_start", ["type": "content_block_start", "index": .integer(Int64(nextIndex)), "content_block": block]))
        nextIndex += 1
        return events
    }

    mutating func closeBlock() -> [SSEEvent] {
        guard let open else { return [] }
        self.open = nil
        return [Self.event("content_block_stop", ["type": "content_block_stop", "index": .integer(Int64(open.index))])]
    }

    mutating func end() -> [SSEEvent] {
        var events = closeBlock()
        let usage = self.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        events.append(Self.event("message_delta", ["type": "message_delta", "delta": ["stop_reason": .string(stopReason), "stop_sequence": .null],
                                                   "usage": MessagesChat.usageJSON(usage)]))
        events.append(Self.event("message_stop", ["type": "message_stop"]))
        return events
    }

    static func event(_ name: String, _ data: JSONValue) -> SSEEvent {
        SSEEvent(event: name, data: data.jsonText)
    }
}

/// Anthropic's own Messages stream, passed on event for event; an `error` event (overloaded, for
/// one) ends it as the upstream's failure, and `message_start` is the usage billed if it is cut.
struct MessagesPassThrough: StreamTranslator {
    var watch = MessagesStreamWatch()

    mutating func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        if event.event == "error" || event.data.hasPrefix("{\"type\":\"error\"") {
            throw AnthropicErrors.streamError((try? JSONParser.parse(event.data)) ?? [:])
        }
        watch.observe(event)
        return [event]
    }

    func finish() -> [SSEEvent] { [] }

    var usageSoFar: Usage? { watch.usageSoFar }
}

/// Reads the usage of a Messages stream on its way to the client: `message_start` brings the input
/// and cache buckets, each `message_delta` cumulative counts, `message_stop` ends it.
public struct MessagesStreamWatch: Sendable {
    var usageJSON: [String: JSONValue] = [:]
    var started = false
    /// Set by `message_stop`: the answer is whole.
    public private(set) var finished = false
    /// Text and tool-argument deltas seen: roughly a token each, the estimate of a stream cut
    /// before its usage.
    public private(set) var contentChunks = 0

    public init() {}

    public mutating func observe(_ event: SSEEvent) {
        if event.event == "content_block_delta" {
            contentChunks += 1
            return
        }
        guard event.event != "ping", let data = try? JSONParser.parse(event.data) else { return }
        switch data["type"]?.stringValue {
        case "message_start":
            usageJSON = data["message"]?["usage"]?.objectValue ?? [:]
            started = true
        case "message_delta":
            for (field, value) in data["usage"]?.objectValue ?? [:] where !value.isNull { usageJSON[field] = value }
        case "message_stop":
            finished = true
        case "content_block_delta":
            contentChunks += 1
        default:
            break
        }
    }

    /// The usage once the stream has ended; nil before.
    public var usage: Usage? { finished ? usageSoFar : nil }

    /// What the stream has reported so far (nil before `message_start`).
    public var usageSoFar: Usage? {
        guard started else { return nil }
        var usage = AnthropicUsage.usage(.object(usageJSON))
        usage.serviceTier = OpenAIChat.wireServiceTier(usage.serviceTier).stringValue
        return usage
    }
}
