import Foundation
import HTTPTypes
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

/// Claude and Gemini through the same `/v1/chat/completions`, against the mock speaking their
/// native wire formats; usage lands in the right buckets, each priced at its own rate.
@Suite struct NativeProviderTests {
    static let system: JSONValue = ["role": "system", "content": "be brief please"]
    static let user: JSONValue = ["role": "user", "content": "hello there"]
    static let weatherTool: JSONValue = ["type": "function", "function": [
        "name": "get_weather", "parameters": ["type": "object", "properties": ["location": ["type": "string"]]],
    ]]

    @Test func claudeAnswersAndIsPricedByBucket() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "claude-sonnet-4", "messages": [Self.system, Self.user]])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = try response.json()
            #expect(body["model"] == "claude-sonnet-4")
            #expect(body["object"] == "chat.completion")
            #expect(body["choices"]?[0]?["message"]?["content"]?.stringValue?.hasPrefix("tok1 tok2") == true)
            #expect(body["choices"]?[0]?["finish_reason"] == "stop")
            // The mock got Anthropic's request: the API's model name, max_tokens, the system prompt.
            #expect(gateway.mock.lastBody?["model"] == "claude-sonnet-4-0")
            #expect(gateway.mock.lastBody?["max_tokens"] == 4096)
            #expect(gateway.mock.lastBody?["system"] == [["type": "text", "text": "be brief please"]])
            // System words are cache reads (3); the user turn is 2 words + 1: 3 uncached; 12 out.
            #expect(body["usage"]?["prompt_tokens"] == 6)
            #expect(body["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 3)
            // (3 × 3.00 + 3 × 0.30 + 12 × 15.00) / 1M
            #expect(String(buffer: response.body).contains("\"cost\":0.0001899"))
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "anthropic")
            #expect((row.uncachedInput, row.cacheRead, row.cacheWrite, row.output) == (3, 3, 0, 12))
            #expect(row.cost == "0.000189900000")
        }
    }

    @Test func claudeCacheWritesArePricedAtTheWriteRate() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "claude-sonnet-4", "messages": [Self.system, ["role": "user", "content": [
                ["type": "text", "text": "long shared context", "cache_control": ["type": "ephemeral"]],
                ["type": "text", "text": "question"],
            ]]]])
            #expect(response.status == .ok)
            #expect(try response.json()["usage"]?["prompt_tokens_details"]?["cache_write_tokens"] == 3)
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.cacheRead, row.cacheWrite, row.output) == (2, 3, 3, 12))
            // (2 × 3.00 + 3 × 0.30 + 3 × 3.75 + 12 × 15.00) / 1M
            #expect(row.cost == "0.000198150000")
        }
    }

    @Test func claudeStreamsToolCalls() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": "claude-3-5-haiku", "stream": true, "max_tokens": 4, "stream_options": ["include_usage": true],
                "messages": [Self.user], "tools": [Self.weatherTool],
            ])
            #expect(response.status == .ok)
            let chunks = try ProxyTests.events(response.body)
            #expect(chunks.last == "[DONE]")
            let parsed = chunks.dropLast().compactMap { try? JSONParser.parse($0) }
            let text = parsed.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(text == "tok1 tok2 tok3 tok4")
            let toolDeltas = parsed.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0] }
            #expect(toolDeltas.first?["function"]?["name"] == "get_weather")
            #expect(toolDeltas.compactMap { $0["function"]?["arguments"]?.stringValue }.joined() == #"{"location": "Paris"}"#)
            #expect(parsed.contains { $0["choices"]?[0]?["finish_reason"] == "tool_calls" })
            let usage = try #require(parsed.last?["usage"])
            #expect(usage["completion_tokens"] == 4)
            // claude-3-5-haiku: (3 × 0.80 + 4 × 4.00) / 1M
            #expect(chunks[chunks.count - 2].contains("\"cost\":0.0000184"))
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.streamed && !row.estimated && row.provider == "anthropic")
        }
    }

    @Test func geminiAnswersWithThinkingAndCachedTokens() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "gemini-2.5-pro", "messages": [Self.system, Self.user]])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = try response.json()
            #expect(body["model"] == "gemini-2.5-pro")
            #expect(body["choices"]?[0]?["message"]?["content"]?.stringValue?.hasPrefix("tok1") == true)
            #expect(gateway.mock.lastBody?["systemInstruction"] == ["parts": [["text": "be brief please"]]])
            #expect(body["usage"]?["completion_tokens_details"]?["reasoning_tokens"] == 6)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "gemini")
            // prompt 6 of which 3 cached; 12 visible + 6 thinking tokens out.
            #expect((row.uncachedInput, row.cacheRead, row.output, row.reasoning) == (3, 3, 18, 6))
            // (3 × 1.25 + 3 × 0.125 + 18 × 10.00) / 1M
            #expect(row.cost == "0.000184125000")
        }
    }

    @Test func geminiStreamsToolCalls() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": "gemini-2.5-flash", "stream": true, "messages": [Self.user], "tools": [Self.weatherTool],
            ])
            #expect(response.status == .ok)
            let chunks = try ProxyTests.events(response.body)
            #expect(chunks.last == "[DONE]")
            let parsed = chunks.dropLast().compactMap { try? JSONParser.parse($0) }
            #expect(parsed.allSatisfy { $0["choices"]?[0] != nil })  // no usage chunk: the client did not ask
            #expect(parsed.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined() == (1...12).map { "tok\($0)" }.joined(separator: " "))
            #expect(parsed.contains { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["function"]?["arguments"] == #"{"location":"Paris"}"# })
            #expect(parsed.contains { $0["choices"]?[0]?["finish_reason"] == "tool_calls" })
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.output) == (3, 12))
            #expect(row.cost == "0.000030900000")  // (3 × 0.30 + 12 × 2.50) / 1M
        }
    }

    @Test func aBlockedGeminiPromptIsAContentFilterFinish() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "gemini-2.5-flash", "messages": [["role": "user", "content": "[block] this"]]])
            #expect(response.status == .ok)
            #expect(try response.json()["choices"]?[0]?["finish_reason"] == "content_filter")
        }
    }

    @Test(arguments: [
        ("claude-mock-error-529", HTTPResponse.Status.serviceUnavailable, "overloaded_error", "7" as String?),
        ("claude-mock-error-429", .tooManyRequests, "rate_limit_error", "7"),
        ("gemini-mock-error-429", .tooManyRequests, "RESOURCE_EXHAUSTED", "7"),
        ("gemini-mock-error-400", .badRequest, "INVALID_ARGUMENT", nil),
    ])
    func providerErrorsMapToTheEnvelope(model: String, status: HTTPResponse.Status, code: String, retryAfter: String?) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for stream in [false, true] {
                // A deployment of its own for the stream: a 429's or 529's retry-after rests the first.
                let provider = model.hasPrefix("claude") ? "mock-anthropic" : "mock-gemini"
                let name = stream ? "\(provider)/\(model)-stream" : model
                let response = try await gateway.chat(key: key, ["model": .string(name), "stream": .bool(stream), "messages": [Self.user]])
                #expect(response.status == status)
                #expect(try response.errorBody()["code"]?.stringValue == code)
                #expect(response.headers[.retryAfter] == retryAfter)
            }
        }
    }

    @Test func aCutClaudeStreamIsMeteredFromAnEstimate() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "claude-mock-stream-cut", "stream": true, "messages": [Self.user]])
            #expect(response.status == .ok)
            #expect(!String(buffer: response.body).contains("[DONE]"))
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.estimated && row.status == 502)
            // The input is what Anthropic reported in message_start (the mock counts "hello there"
            // as 3 prompt tokens), not the byte bound (27); the output is the bound the provider
            // may still bill: no max_tokens and no known cap, 4,096.
            #expect(row.uncachedInput + row.cacheRead == 3)
            #expect(row.output == 4096)
        }
    }

    @Test func geminiEmbeddingsAreTranslatedAndPriced() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key,
                                                  body: #"{"model": "gemini-embedding-001", "input": ["hello there", "one two three"], "dimensions": 4}"#)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = try response.json()
            #expect(body["object"] == "list")
            #expect(body["model"] == "gemini-embedding-001")
            #expect(body["data"]?[1]?["index"] == 1)
            #expect(body["data"]?[1]?["object"] == "embedding")
            // The mock's values for three words: (3 + i) / 10.
            #expect(body["data"]?[1]?["embedding"] == [0.3, 0.4, 0.5, 0.6])
            // Gemini got one request per input, named models/…, with the dimensions.
            #expect(gateway.mock.lastBody?["requests"]?[0]?["model"] == "models/gemini-embedding-001")
            #expect(gateway.mock.lastBody?["requests"]?[1]?["content"]?["parts"]?[0]?["text"] == "one two three")
            #expect(gateway.mock.lastBody?["requests"]?[0]?["outputDimensionality"] == 4)
            // 2 + 3 words reported; 5 × 0.15 / 1M.
            #expect(body["usage"]?["prompt_tokens"] == 5)
            #expect(body["usage"]?["total_tokens"] == 5)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "gemini")
            #expect((row.uncachedInput, row.output, row.estimated) == (5, 0, false))
            #expect(row.cost == "0.000000750000")
        }
    }

    @Test func geminiEmbeddingsComeAsBase64WhenAskedFor() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key,
                                                  body: #"{"model": "gemini-embedding-001", "input": "hello there", "encoding_format": "base64"}"#)
            #expect(response.status == .ok)
            let encoded = try #require(try response.json()["data"]?[0]?["embedding"]?.stringValue)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == 8 * 4)
            // Little-endian float32s, as OpenAI's base64 embeddings: (2 + i) / 10.
            let floats = stride(from: 0, to: bytes.count, by: 4).map { offset in
                Float(bitPattern: bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            }
            #expect(floats == (0..<8).map { Float((2 + Double($0)) / 10) })
        }
    }

    @Test func geminiEmbeddingsWithoutReportedUsageAreBilledAtTheBound() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key,
                                                  body: #"{"model": "gemini-embedding-no-usage", "input": "a b c"}"#)
            #expect(response.status == .ok)
            // No usageMetadata: the answer still carries usage, the byte bound that was billed.
            #expect(try response.json()["usage"]?["prompt_tokens"] == 5)
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.estimated) == (5, true))
        }
    }

    @Test func geminiEmbeddingsOfTokenArraysAreRefused() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "gemini-embedding-001", "input": [[1, 2, 3]]}"#)
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["code"] == "unsupported_for_provider")
            #expect(try response.errorBody()["param"] == "input")
            #expect(gateway.mock.total == 0)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func embeddingsOnAChatOnlyProviderAreRefused() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "claude-sonnet-4", "input": "x"}"#)
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["code"] == "unsupported_for_provider")
            #expect(gateway.mock.total == 0)
        }
    }
}
