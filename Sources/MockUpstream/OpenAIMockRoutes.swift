import Foundation
import Hummingbird
import NIOCore
import OpenAIWire
import Synchronization

/// The mock's OpenAI endpoints: `/v1/chat/completions` and `/v1/responses` (streamed or not), `/v1/embeddings`,
/// `/v1/models`.
final class OpenAIMockRoutes: Sendable {
    let ids = Mutex(0)
    let stats: MockStats

    init(stats: MockStats) {
        self.stats = stats
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await self.chat(request, context: context)
        }
        router.post("/v1/responses") { request, _ in
            try await self.responses(request)
        }
        router.post("/v1/embeddings") { request, context in
            try await self.embeddings(request, context: context)
        }
        router.get("/v1/models") { _, _ in
            try Response.json(.object(["object": "list", "data": .array([])]))
        }
    }

    func nextID() -> Int {
        ids.withLock { $0 += 1; return $0 }
    }

    func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        guard let json = try? WireCoding.decode(JSONValue.self, from: body), let model = json["model"]?.stringValue,
              let messages = json["messages"]?.arrayValue
        else {
            return try Self.error(400, "mock: 'model' and 'messages' are required")
        }
        let behaviour = MockBehaviour(model: model)
        if let failures = behaviour.failuresBeforeRecovery, stats.nextCall(to: model) <= failures {
            return try Self.error(500, "mock: this model fails its first \(failures) calls")
        }
        if let response = try await Self.misbehave(behaviour, streaming: json["stream"]?.boolValue == true) { return response }
        let maxTokens = json["max_completion_tokens"]?.intValue ?? json["max_tokens"]?.intValue
        let usage = MockTokens.usage(model: model, messages: messages, maxTokens: maxTokens)
        let id = "chatcmpl-mock-\(nextID())"
        let created = Int64(Date().timeIntervalSince1970)
        let words = MockTokens.reply(usage)
        // With tools (and tool_choice not "none"), the answer calls the first one.
        let toolName = json["tools"]?[0]?["function"]?["name"]?.stringValue.flatMap { json["tool_choice"]?.stringValue == "none" ? nil : $0 }
        let finish: JSONValue = toolName != nil ? "tool_calls" : MockTokens.stoppedForLength(maxTokens) ? "length" : "stop"
        // The tier asked for is the tier served, as OpenAI reports it ("auto" is served at "default").
        let servedTier: JSONValue = json["service_tier"]?.stringValue.map { $0 == "auto" ? "default" : .string($0) } ?? "default"
        let serviceTier: JSONValue? = behaviour.hidesServiceTier ? nil : servedTier

        if json["stream"]?.boolValue == true {
            let includeUsage = json["stream_options"]?["include_usage"]?.boolValue == true && behaviour.sendsUsage
            var events: [JSONValue] = []
            func chunk(_ delta: JSONValue, finish: JSONValue = .null) -> JSONValue {
                var object: [String: JSONValue] = [
                    "id": .string(id), "object": "chat.completion.chunk", "created": .integer(created), "model": .string(model),
                    "choices": [["index": 0, "delta": delta, "finish_reason": finish]],
                ]
                if let serviceTier { object["service_tier"] = serviceTier }
                if includeUsage { object["usage"] = .null }
                return .object(object)
            }
            events.append(chunk(["role": "assistant", "content": ""]))
            for (index, word) in words.enumerated() {
                events.append(chunk(["content": .string(index == 0 ? word : " " + word)]))
            }
            if let toolName {
                events.append(chunk(["tool_calls": [["index": 0, "id": .string("call_mock_\(id)"), "type": "function",
                                                     "function": ["name": .string(toolName), "arguments": ""]]]]))
                for piece in ["{\"location\":", "\"Paris\"}"] {
                    events.append(chunk(["tool_calls": [["index": 0, "function": ["arguments": .string(piece)]]]]))
                }
            }
            events.append(chunk(.object([:]), finish: finish))
            if includeUsage {
                var last: [String: JSONValue] = [
                    "id": .string(id), "object": "chat.completion.chunk", "created": .integer(created), "model": .string(model),
                    "choices": [], "usage": behaviour.reported(usage),
                ]
                if let serviceTier { last["service_tier"] = serviceTier }
                events.append(.object(last))
            }
            return .eventStream(events.map { SSEEvent(data: $0.jsonText) } + [SSEEvent.done], cut: behaviour.cutsStream,
                                pause: behaviour.drips ? .milliseconds(100) : nil)
        }

        // As OpenAI answers: `refusal` and `logprobs` null, `annotations` empty.
        var message: [String: JSONValue] = ["role": "assistant", "content": .string(words.joined(separator: " ")), "refusal": .null, "annotations": []]
        if let toolName {
            message["content"] = .null
            message["tool_calls"] = [[
                "id": .string("call_mock_\(id)"), "type": "function",
                "function": ["name": .string(toolName), "arguments": "{\"location\":\"Paris\"}"],
            ]]
        }
        var choice: [String: JSONValue] = ["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": finish]
        if behaviour.sparse {
            choice["logprobs"] = nil
            message["refusal"] = nil
            message["annotations"] = nil
            choice["message"] = .object(message)
        }
        var answer: [String: JSONValue] = [
            "id": .string(id), "object": "chat.completion", "created": .integer(created), "model": .string(model),
            "choices": [.object(choice)], "system_fingerprint": "fp_mock",
        ]
        if let serviceTier { answer["service_tier"] = serviceTier }
        if behaviour.sendsUsage { answer["usage"] = behaviour.reported(usage) }
        let bytes = WireCoding.encode(.object(answer))
        stats.record(answer: bytes)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
    }

    func embeddings(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        guard let json = try? WireCoding.decode(JSONValue.self, from: body), let model = json["model"]?.stringValue,
              let input = json["input"]
        else {
            return try Self.error(400, "mock: 'model' and 'input' are required")
        }
        if let response = try await Self.misbehave(MockBehaviour(model: model)) { return response }
        let inputs = input.arrayValue.map { $0.map { $0.stringValue ?? "" } } ?? [input.stringValue ?? ""]
        let tokens = inputs.reduce(0) { $0 + MockTokens.count($1) }
        let data: [JSONValue] = inputs.enumerated().map { index, text in
            let words = Double(MockTokens.count(text))
            return ["object": "embedding", "index": .integer(Int64(index)),
                    "embedding": .array((0..<8).map { .number((words + Double($0)) / 10) })]
        }
        return try Response.json([
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": ["prompt_tokens": .integer(Int64(tokens)), "total_tokens": .integer(Int64(tokens))],
        ])
    }

    /// The response for a model whose name asks for an error, a hang or garbage; nil to answer normally.
    static func misbehave(_ behaviour: MockBehaviour, streaming: Bool = false) async throws -> Response? {
        if behaviour.hangs {
            try await Task.sleep(for: .seconds(3600))
        }
        if behaviour.slow {
            try await Task.sleep(for: .milliseconds(200))
        }
        if behaviour.lingers {
            try await Task.sleep(for: .seconds(2))
        }
        if let status = behaviour.errorStatus {
            return try error(status, "mock: this model always fails with HTTP \(status)")
        }
        if behaviour.resets {
            return Self.reset(streaming: streaming)
        }
        if behaviour.invalidJSON {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{not json")))
        }
        return nil
    }

    /// A 200 whose body starts (half a JSON object, or a stream's first event) and then breaks off:
    /// throwing from the body writer makes the server drop the connection mid-answer.
    static func reset(streaming: Bool) -> Response {
        struct ConnectionReset: Error {}
        let start = streaming
            ? #"data: {"id":"chatcmpl-reset","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"# + "\n\n"
            : #"{"id": "chatcmpl-reset", "object": "chat.completion", "choices": ["#
        var headers = HTTPFields()
        headers[.contentType] = streaming ? "text/event-stream" : "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: start))
            try await Task.sleep(for: .milliseconds(20))
            throw ConnectionReset()
        })
    }

    static func error(_ status: Int, _ message: String) throws -> Response {
        let type: String = switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 429: "rate_limit_error"
        default: "server_error"
        }
        var headers = HTTPFields()
        if status == 429 || status == 503 { headers[.retryAfter] = "7" }
        return try Response.json(
            ["error": ["message": .string(message), "type": .string(type), "param": .null, "code": .null]],
            status: HTTPResponse.Status(code: status), headers: headers)
    }
}
