import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import OpenAIWire

/// The mock's Gemini endpoints, `POST /v1beta/models/{model}:generateContent`,
/// `:streamGenerateContent?alt=sse` and `:batchEmbedContents`.
///
/// Tokens follow `MockTokens`: `promptTokenCount` is the system words plus each content's words
/// and one, of which the system words are `cachedContentTokenCount` (included, as Gemini counts
/// them); models with `pro` in their name also think for 6 tokens (`thoughtsTokenCount`, not part
/// of `candidatesTokenCount`). A prompt containing `[block]` is blocked for safety, `[unsafe]`
/// stops with `SAFETY`. With `tools`, the answer calls the first function.
struct GeminiMockRoutes {
    let stats: MockStats

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1beta/models/:call") { request, context in
            try await self.generate(request, call: context.parameters.get("call") ?? "")
        }
    }

    func generate(_ request: Request, call: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
        stats.record(body: body)
        guard let colon = call.lastIndex(of: ":") else { return try Self.error(404, status: "NOT_FOUND", "mock: no such method") }
        let model = String(call[..<colon])
        let method = call[call.index(after: colon)...]
        guard method == "generateContent" || method == "streamGenerateContent" || method == "batchEmbedContents" else {
            return try Self.error(404, status: "NOT_FOUND", "mock: no method \(method)")
        }
        guard request.headers[HTTPField.Name("x-goog-api-key")!] != nil else {
            return try Self.error(401, status: "UNAUTHENTICATED", "mock: x-goog-api-key is required")
        }
        if method == "batchEmbedContents" { return try embed(body, model: model) }
        guard let json = try? JSONParser.parse(body), let contents = json["contents"]?.arrayValue, !contents.isEmpty else {
            return try Self.error(400, status: "INVALID_ARGUMENT", "mock: contents are required")
        }
        let behaviour = MockBehaviour(model: model)
        if behaviour.hangs { try await Task.sleep(for: .seconds(3600)) }
        if let status = behaviour.errorStatus {
            let name = status == 429 ? "RESOURCE_EXHAUSTED" : status == 400 ? "INVALID_ARGUMENT" : status == 503 ? "UNAVAILABLE" : "INTERNAL"
            return try Self.error(status, status: name, "mock: this model always fails with HTTP \(status)")
        }

        let systemText = (json["systemInstruction"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        var prompt = MockTokens.count(systemText)
        var allText = systemText
        for content in contents {
            let text = (content["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
            prompt += MockTokens.count(text) + 1
            allText += " " + text
        }
        let maxTokens = json["generationConfig"]?["maxOutputTokens"]?.intValue
        let output = MockTokens.outputTokens(maxTokens)
        let thoughts = model.contains("pro") ? 6 : 0
        let usage: JSONValue = [
            "promptTokenCount": .integer(Int64(prompt)), "candidatesTokenCount": .integer(Int64(output)),
            "cachedContentTokenCount": .integer(Int64(MockTokens.count(systemText))), "thoughtsTokenCount": .integer(Int64(thoughts)),
            "totalTokenCount": .integer(Int64(prompt + output + thoughts)),
        ]
        let functionName = json["tools"]?[0]?["functionDeclarations"]?[0]?["name"]?.stringValue
            .flatMap { json["toolConfig"]?["functionCallingConfig"]?["mode"] == "NONE" ? nil : $0 }
        let blocked = allText.contains("[block]")
        let finish = allText.contains("[unsafe]") ? "SAFETY" : MockTokens.stoppedForLength(maxTokens) ? "MAX_TOKENS" : "STOP"
        let words = MockTokens.words(output)

        func answer(parts: [JSONValue], finishReason: String?, usage: JSONValue?) -> JSONValue {
            if blocked {
                return ["promptFeedback": ["blockReason": "SAFETY"], "usageMetadata": usage ?? [:], "responseId": "mock-gemini"]
            }
            var candidate: [String: JSONValue] = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
            if let finishReason { candidate["finishReason"] = .string(finishReason) }
            var object: [String: JSONValue] = ["candidates": [.object(candidate)], "modelVersion": .string(model), "responseId": "mock-gemini"]
            if let usage { object["usageMetadata"] = usage }
            return .object(object)
        }
        var parts: [JSONValue] = []
        if let functionName { parts.append(["functionCall": ["name": .string(functionName), "args": ["location": "Paris"]]]) }

        if method == "streamGenerateContent" {
            var events: [SSEEvent] = []
            if blocked {
                events.append(SSEEvent(data: answer(parts: [], finishReason: nil, usage: usage).jsonText))
            } else {
                // Two words an event, then the function call and the finish with the usage.
                for start in stride(from: 0, to: words.count, by: 2) {
                    let text = (start == 0 ? "" : " ") + words[start..<min(start + 2, words.count)].joined(separator: " ")
                    events.append(SSEEvent(data: answer(parts: [["text": .string(text)]], finishReason: nil, usage: nil).jsonText))
                }
                events.append(SSEEvent(data: answer(parts: parts, finishReason: finish, usage: usage).jsonText))
            }
            return .eventStream(events, cut: behaviour.cutsStream)
        }
        return try Response.json(answer(parts: [["text": .string(words.joined(separator: " "))]] + parts, finishReason: finish, usage: usage))
    }

    /// `batchEmbedContents`: one embedding a request, `outputDimensionality` values long (8 by
    /// default), each a function of the text's word count; `usageMetadata.promptTokenCount` is the
    /// words, left out for a model named `no-usage`.
    func embed(_ body: ByteBuffer, model: String) throws -> Response {
        guard let json = try? JSONParser.parse(body), let requests = json["requests"]?.arrayValue, !requests.isEmpty else {
            return try Self.error(400, status: "INVALID_ARGUMENT", "mock: requests are required")
        }
        let behaviour = MockBehaviour(model: model)
        if let status = behaviour.errorStatus {
            return try Self.error(status, status: "INTERNAL", "mock: this model always fails with HTTP \(status)")
        }
        var tokens = 0
        var embeddings: [JSONValue] = []
        for request in requests {
            guard request["model"]?.stringValue == "models/" + model else {
                return try Self.error(400, status: "INVALID_ARGUMENT", "mock: each request must name models/\(model)")
            }
            let text = (request["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
            let words = MockTokens.count(text)
            tokens += words
            let dimensions = request["outputDimensionality"]?.intValue ?? 8
            embeddings.append(["values": .array((0..<dimensions).map { .number((Double(words) + Double($0)) / 10) })])
        }
        var answer: [String: JSONValue] = ["embeddings": .array(embeddings)]
        if behaviour.sendsUsage { answer["usageMetadata"] = ["promptTokenCount": .integer(Int64(tokens))] }
        return try Response.json(.object(answer))
    }

    static func error(_ code: Int, status: String, _ message: String) throws -> Response {
        var headers = HTTPFields()
        if code == 429 || code == 503 { headers[.retryAfter] = "7" }
        return try Response.json(["error": ["code": .integer(Int64(code)), "message": .string(message), "status": .string(status)]],
                                 status: HTTPResponse.Status(code: code), headers: headers)
    }
}
