import Foundation
import OpenAIWire

/// OpenAI chat chunks as the Responses API's stream: `response.created` and `response.in_progress`,
/// an output item per text run or function call (`response.output_item.added`, the content part,
/// text or argument deltas, their `.done` events, `response.output_item.done`), then
/// `response.completed` with the whole response and its usage. Events are numbered from 0.
public struct ChatToResponsesStream: StreamTranslator {
    let request: ResponsesRequest
    let model: String
    var id = "resp_tollgate"
    var createdAt: Int64?
    var sequence = 0
    var started = false
    var nextOutput = 0
    var text: (output: Int, id: String, text: String)?
    /// OpenAI tool call index → its output item.
    var calls: [Int: (output: Int, id: String, callID: String, name: String, arguments: String)] = [:]
    var finishReason: String?
    var usage: Usage?
    var serviceTier: JSONValue = .null

    public init(request: ResponsesRequest, model: String) {
        self.request = request
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
            id = ResponsesChat.responseID(chunk["id"]?.stringValue)
            createdAt = chunk["created"]?.intValue.map(Int64.init)
            let response = ResponsesChat.envelope(id: id, request: request, model: model, status: "in_progress", createdAt: createdAt)
            events.append(emit("response.created", ["response": .object(response)]))
            events.append(emit("response.in_progress", ["response": .object(response)]))
        }
        if let usageJSON = chunk["usage"], !usageJSON.isNull, let usage = Usage(json: usageJSON) {
            self.usage = usage
        }
        if let tier = chunk["service_tier"], !tier.isNull { serviceTier = tier }
        guard let choice = chunk["choices"]?[0] else { return events }
        let delta = choice["delta"] ?? [:]
        if let piece = delta["content"]?.stringValue, !piece.isEmpty {
            if text == nil {
                let item = (output: nextOutput, id: "msg_\(id.dropFirst(5))", text: "")
                nextOutput += 1
                text = item
                events.append(emit("response.output_item.added", [
                    "output_index": .integer(Int64(item.output)),
                    "item": ["type": "message", "id": .string(item.id), "status": "in_progress", "role": "assistant", "content": []],
                ]))
                events.append(emit("response.content_part.added", [
                    "item_id": .string(item.id), "output_index": .integer(Int64(item.output)), "content_index": 0,
                    "part": ["type": "output_text", "text": "", "annotations": [], "logprobs": []],
                ]))
            }
            text!.text += piece
            events.append(emit("response.output_text.delta", [
                "item_id": .string(text!.id), "output_index": .integer(Int64(text!.output)), "content_index": 0,
                "delta": .string(piece), "logprobs": [],
            ]))
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            let index = call["index"]?.intValue ?? 0
            if calls[index] == nil {
                let item = (output: nextOutput, id: "fc_\(id.dropFirst(5))_\(index)", callID: call["id"]?.stringValue ?? "call_\(index)",
                            name: call["function"]?["name"]?.stringValue ?? "", arguments: "")
                nextOutput += 1
                calls[index] = item
                events.append(emit("response.output_item.added", [
                    "output_index": .integer(Int64(item.output)),
                    "item": ResponsesChat.functionCallItem(id: item.id, callID: item.callID, name: item.name, arguments: "", status: "in_progress"),
                ]))
            }
            if let arguments = call["function"]?["arguments"]?.stringValue, !arguments.isEmpty {
                calls[index]!.arguments += arguments
                events.append(emit("response.function_call_arguments.delta", [
                    "item_id": .string(calls[index]!.id), "output_index": .integer(Int64(calls[index]!.output)), "delta": .string(arguments),
                ]))
            }
        }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        return events
    }

    public mutating func finish() throws -> [SSEEvent] {
        []  // a chat stream that ends without [DONE] was cut: no response.completed is invented
    }

    mutating func end() -> [SSEEvent] {
        var events: [SSEEvent] = []
        var output: [(Int, JSONValue)] = []
        if let text {
            let item = ResponsesChat.messageItem(id: text.id, text: text.text, status: "completed")
            events.append(emit("response.output_text.done", [
                "item_id": .string(text.id), "output_index": .integer(Int64(text.output)), "content_index": 0,
                "text": .string(text.text), "logprobs": [],
            ]))
            events.append(emit("response.content_part.done", [
                "item_id": .string(text.id), "output_index": .integer(Int64(text.output)), "content_index": 0,
                "part": ["type": "output_text", "text": .string(text.text), "annotations": [], "logprobs": []],
            ]))
            events.append(emit("response.output_item.done", ["output_index": .integer(Int64(text.output)), "item": item]))
            output.append((text.output, item))
        }
        for call in calls.values.sorted(by: { $0.output < $1.output }) {
            let item = ResponsesChat.functionCallItem(id: call.id, callID: call.callID, name: call.name, arguments: call.arguments, status: "completed")
            events.append(emit("response.function_call_arguments.done", [
                "item_id": .string(call.id), "output_index": .integer(Int64(call.output)), "name": .string(call.name), "arguments": .string(call.arguments),
            ]))
            events.append(emit("response.output_item.done", ["output_index": .integer(Int64(call.output)), "item": item]))
            output.append((call.output, item))
        }
        var response = ResponsesChat.envelope(id: id, request: request, model: model, status: "completed", createdAt: createdAt)
        response["output"] = .array(output.sorted { $0.0 < $1.0 }.map(\.1))
        if let usage { response["usage"] = ResponsesChat.usageJSON(usage) }
        response["service_tier"] = serviceTier
        var name = "response.completed"
        if finishReason == "length" || finishReason == "content_filter" {
            name = "response.incomplete"
            response["status"] = "incomplete"
            response["incomplete_details"] = ["reason": finishReason == "length" ? "max_output_tokens" : "content_filter"]
        }
        events.append(emit(name, ["response": .object(response)]))
        return events
    }

    mutating func emit(_ type: String, _ fields: [String: JSONValue]) -> SSEEvent {
        var data = fields
        data["type"] = .string(type)
        data["sequence_number"] = .integer(Int64(sequence))
        sequence += 1
        return SSEEvent(event: type, data: JSONValue.object(data).jsonText)
    }
}

/// An upstream's own Responses stream, passed on event for event; `response.failed` and `error`
/// events end it as the upstream's failure.
struct ResponsesPassThrough: StreamTranslator {
    let provider: String

    func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        let type = event.event ?? ResponsesStreamWatch.type(of: event.data)
        if type == "response.failed" || type == "error" {
            let data = (try? JSONParser.parse(event.data)) ?? [:]
            let error = data["response"]?["error"] ?? data
            throw ProviderError(kind: .upstreamStatus(500), envelope: ErrorEnvelope(
                message: "The upstream provider '\(provider)' failed the response: \(error["message"]?.stringValue ?? "no reason given")",
                type: "upstream_error", code: error["code"]?.stringValue ?? "upstream_error"))
        }
        return [event]
    }

    func finish() -> [SSEEvent] { [] }
}

/// Reads the usage of a Responses stream on its way to the client: `response.completed` (or
/// `response.incomplete`) carries the whole response with its usage, and ends the answer.
public struct ResponsesStreamWatch: Sendable {
    public private(set) var usage: Usage?
    public private(set) var finished = false
    /// Text and argument deltas seen: roughly a token each.
    public private(set) var contentChunks = 0

    public init() {}

    public mutating func observe(_ event: SSEEvent) {
        let type = event.event ?? Self.type(of: event.data)
        switch type {
        case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_text.delta":
            contentChunks += 1
        case "response.completed", "response.incomplete":
            finished = true
            let response = (try? JSONParser.parse(event.data))?["response"]
            usage = response?["usage"].flatMap(ResponsesUsage.usage)
            usage?.serviceTier = response?["service_tier"]?.stringValue
        default:
            break
        }
    }

    /// An event's `type` read from its data, for streams that send no `event:` lines.
    static func type(of data: String) -> String? {
        guard let range = data.range(of: "\"type\":\"") else { return nil }
        let rest = data[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
