import Foundation
import OpenAIWire

/// Gemini's streamed `generateContent` answers (one full response object per event) as OpenAI
/// chunks; the last event's `usageMetadata` becomes the usage chunk.
struct GeminiStreamTranslator: StreamTranslator {
    let model: String
    var id = "gemini"
    let created = Int64(Date().timeIntervalSince1970)
    var started = false
    var toolCalls = 0
    var usage: JSONValue?
    var finished = false

    init(model: String) {
        self.model = model
    }

    mutating func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        guard let data = try? JSONParser.parse(event.data) else {
            throw ProviderError.badResponse("gemini", "a stream event that is not JSON")
        }
        if let error = data["error"] {
            throw GeminiErrors.streamError(error)
        }
        var events: [SSEEvent] = []
        if !started {
            started = true
            id = data["responseId"]?.stringValue ?? id
            events.append(chunk(["role": "assistant", "content": ""]))
        }
        if let metadata = data["usageMetadata"] { usage = metadata }
        let candidate = data["candidates"]?[0]
        for part in candidate?["content"]?["parts"]?.arrayValue ?? [] where part["thought"]?.boolValue != true {
            if let text = part["text"]?.stringValue, !text.isEmpty {
                events.append(chunk(["content": .string(text)]))
            }
            if let call = part["functionCall"] {
                var toolCall = GeminiChat.toolCall(call, index: toolCalls).objectValue ?? [:]
                toolCall["index"] = .integer(Int64(toolCalls))
                toolCalls += 1
                events.append(chunk(["tool_calls": [.object(toolCall)]]))
            }
        }
        if let reason = candidate?["finishReason"]?.stringValue {
            finished = true
            events.append(chunk([:], finishReason: GeminiChat.finishReason(reason, calledTools: toolCalls > 0)))
        } else if candidate == nil, data["promptFeedback"]?["blockReason"] != nil {
            finished = true
            events.append(chunk([:], finishReason: "content_filter"))
        }
        return events
    }

    mutating func finish() throws -> [SSEEvent] {
        // Gemini ends a stream by closing it; only a finished answer gets its usage and [DONE].
        guard finished else { return [] }
        var events: [SSEEvent] = []
        if let usage {
            events.append(OpenAIChat.usageChunk(id: id, model: model, created: created, usage: GeminiUsage.usage(usage)))
        }
        events.append(.done)
        return events
    }

    /// Gemini's usage is cumulative: the last `usageMetadata` is what it has billed so far.
    var usageSoFar: Usage? {
        usage.map(GeminiUsage.usage)
    }

    func chunk(_ delta: JSONValue, finishReason: String? = nil) -> SSEEvent {
        OpenAIChat.chunk(id: id, model: model, created: created, delta: delta, finishReason: finishReason)
    }
}
