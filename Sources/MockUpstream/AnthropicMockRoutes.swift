import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import OpenAIWire
import Synchronization

/// The mock's Anthropic Messages endpoint, `POST /v1/messages`, streamed or not.
///
/// Tokens follow `MockTokens`: the prompt is the system words plus each message's words and one;
/// system blocks are "cached" (`cache_read_input_tokens`), blocks carrying `cache_control` are
/// written to the cache (`cache_creation_input_tokens`), and `input_tokens` is the rest, as
/// Anthropic counts them. With `tools`, the answer calls the first tool.
final class AnthropicMockRoutes: Sendable {
    let stats: MockStats
    let ids = Mutex(0)

    init(stats: MockStats) {
        self.stats = stats
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/messages") { request, _ in try await self.messages(request) }
        router.post("/v1/messages/count_tokens") { request, _ in try await self.countTokens(request) }
    }

    /// The `anthropic-*` headers of a request, names in lower case.
    static func anthropicHeaders(_ request: Request) -> [String: String] {
        var found: [String: String] = [:]
        for field in request.headers where field.name.canonicalName.hasPrefix("anthropic-") {
            found[field.name.canonicalName] = found[field.name.canonicalName].map { $0 + "," + field.value } ?? field.value
        }
        return found
    }

    /// `POST /v1/messages/count_tokens`: the prompt's tokens as `messages` counts them.
    func countTokens(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        stats.record(headers: Self.anthropicHeaders(request))
        guard let json = try? JSONParser.parse(body), json["model"]?.stringValue != nil, let messages = json["messages"]?.arrayValue else {
            return try Self.error(400, type: "invalid_request_error", "mock: model and messages are required")
        }
        var tokens = Self.blocks(json["system"]).reduce(0) { $0 + MockTokens.count($1["text"]?.stringValue ?? "") }
        for message in messages {
            tokens += 1 + Self.blocks(message["content"]).reduce(0) { $0 + MockTokens.count($1["text"]?.stringValue ?? "") }
        }
        return try Response.json(["input_tokens": .integer(Int64(tokens))])
    }

    func messages(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        stats.record(headers: Self.anthropicHeaders(request))
        guard request.headers[HTTPField.Name("anthropic-version")!] != nil, request.headers[HTTPField.Name("x-api-key")!] != nil else {
            return try Self.error(400, type: "invalid_request_error", "mock: x-api-key and anthropic-version are required")
        }
        guard let json = try? JSONParser.parse(body), let model = json["model"]?.stringValue,
              let messages = json["messages"]?.arrayValue, let maxTokens = json["max_tokens"]?.intValue
        else {
            return try Self.error(400, type: "invalid_request_error", "mock: model, messages and max_tokens are required")
        }
        let behaviour = MockBehaviour(model: model)
        if behaviour.hangs { try await Task.sleep(for: .seconds(3600)) }
        if let status = behaviour.errorStatus {
            let type = status == 529 ? "overloaded_error" : status == 429 ? "rate_limit_error" : status == 401 ? "authentication_error" : "api_error"
            return try Self.error(status, type: type, "mock: this model always fails with HTTP \(status)")
        }

        // Count the prompt the way the mock counts OpenAI prompts, split into Anthropic's buckets.
        var cacheRead = 0, cacheWrite = 0, cacheWrite1h = 0, other = 0
        func count(_ blocks: [JSONValue], system: Bool) {
            for block in blocks {
                let words = MockTokens.count(block["text"]?.stringValue ?? "")
                if let control = block["cache_control"] {
                    cacheWrite += words
                    if control["ttl"]?.stringValue == "1h" { cacheWrite1h += words }
                } else if system {
                    cacheRead += words
                } else {
                    other += words
                }
            }
        }
        count(Self.blocks(json["system"]), system: true)
        for message in messages {
            other += 1
            count(Self.blocks(message["content"]), system: false)
        }
        let output = MockTokens.outputTokens(maxTokens)
        let id = "msg_mock_\(ids.withLock { $0 += 1; return $0 })"
        let toolName = (json["tools"]?.arrayValue?.first?["name"]?.stringValue).flatMap { json["tool_choice"]?["type"] == "none" ? nil : $0 }
        let stopReason = toolName != nil ? "tool_use" : MockTokens.stoppedForLength(maxTokens) ? "max_tokens" : "end_turn"
        let usage: JSONValue = [
            "input_tokens": .integer(Int64(other)), "output_tokens": .integer(Int64(output)),
            "cache_read_input_tokens": .integer(Int64(cacheRead)), "cache_creation_input_tokens": .integer(Int64(cacheWrite)),
            "cache_creation": [
                "ephemeral_5m_input_tokens": .integer(Int64(cacheWrite - cacheWrite1h)),
                "ephemeral_1h_input_tokens": .integer(Int64(cacheWrite1h)),
            ],
            "service_tier": "standard",
        ]
        let words = MockTokens.words(output)

        if json["stream"]?.boolValue == true {
            var events: [SSEEvent] = []
            func event(_ name: String, _ data: JSONValue) { events.append(SSEEvent(event: name, data: data.jsonText)) }
            var startUsage = usage.objectValue ?? [:]
            startUsage["output_tokens"] = 1
            event("message_start", ["type": "message_start", "message": [
                "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                "stop_reason": nil, "stop_sequence": nil, "usage": .object(startUsage),
            ]])
            event("ping", ["type": "ping"])
            event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
            for (index, word) in words.enumerated() {
                event("content_block_delta", ["type": "content_block_delta", "index": 0,
                                              "delta": ["type": "text_delta", "text": .string(index == 0 ? word : " " + word)]])
            }
            event("content_block_stop", ["type": "content_block_stop", "index": 0])
            if let toolName {
                event("content_block_start", ["type": "content_block_start", "index": 1, "content_block": [
                    "type": "tool_use", "id": .string("toolu_\(id)"), "name": .string(toolName), "input": [:],
                ]])
                for piece in ["{\"location\":", " \"Paris\"}"] {
                    event("content_block_delta", ["type": "content_block_delta", "index": 1, "delta": ["type": "input_json_delta", "partial_json": .string(piece)]])
                }
                event("content_block_stop", ["type": "content_block_stop", "index": 1])
            }
            event("message_delta", ["type": "message_delta", "delta": ["stop_reason": .string(stopReason), "stop_sequence": nil],
                                    "usage": ["output_tokens": .integer(Int64(output))]])
            event("message_stop", ["type": "message_stop"])
            return .eventStream(events, cut: behaviour.cutsStream)
        }

        var content: [JSONValue] = [["type": "text", "text": .string(words.joined(separator: " "))]]
        if let toolName {
            content.append(["type": "tool_use", "id": .string("toolu_\(id)"), "name": .string(toolName), "input": ["location": "Paris"]])
        }
        return try Response.json([
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": .array(content),
            "stop_reason": .string(stopReason), "stop_sequence": nil, "usage": usage,
        ])
    }

    /// A string or a list of blocks, as blocks.
    static func blocks(_ value: JSONValue?) -> [JSONValue] {
        if let text = value?.stringValue { return [["type": "text", "text": .string(text)]] }
        return value?.arrayValue ?? []
    }

    static func error(_ status: Int, type: String, _ message: String) throws -> Response {
        var headers = HTTPFields()
        if status == 429 || status == 529 { headers[.retryAfter] = "7" }
        return try Response.json(["type": "error", "error": ["type": .string(type), "message": .string(message)]],
                                 status: HTTPResponse.Status(code: status), headers: headers)
    }
}
