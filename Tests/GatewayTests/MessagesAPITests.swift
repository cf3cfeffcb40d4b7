import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

/// Anthropic's Messages API at `/v1/messages`: passed natively to Anthropic deployments, translated
/// for the others, metered and budgeted like chat, its errors in Anthropic's envelope.
@Suite struct MessagesAPITests {
    static let weatherTool: JSONValue = [
        "name": "get_weather", "description": "The weather somewhere",
        "input_schema": ["type": "object", "properties": ["location": ["type": "string"]]],
    ]

    static func send(_ gateway: GatewayHarness, key: String, _ body: JSONValue, headers: HTTPFields = [:], path: String = "/v1/messages") async throws -> TestResponse {
        var headers = headers
        headers[HTTPField.Name("x-api-key")!] = key
        headers[HTTPField.Name("anthropic-version")!] = "2023-06-01"
        return try await gateway.send(.post, path, body: String(buffer: body.jsonBytes), headers: headers)
    }

    @Test func aClaudeCallIsPassedNativelyWithEveryFieldAndHeader() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let image: JSONValue = ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]]
            var headers = HTTPFields()
            headers[HTTPField.Name("anthropic-beta")!] = "prompt-caching-2024-07-31"
            let response = try await Self.send(gateway, key: key, [
                "model": "claude-sonnet-4", "max_tokens": 64,
                "system": [["type": "text", "text": "be brief please", "cache_control": ["type": "ephemeral"]]],
                "thinking": ["type": "enabled", "budget_tokens": 1024],
                "metadata": ["user_id": "alice"],
                "messages": [["role": "user", "content": [["type": "text", "text": "what is this"], image]]],
                "tools": [Self.weatherTool],
            ], headers: headers)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[HTTPField.Name("x-tollgate-provider")!] == "anthropic")
            let body = try response.json()
            #expect(body["type"] == "message")
            #expect(body["content"]?[1]?["type"] == "tool_use")
            #expect(body["content"]?[1]?["input"]?["location"] == "Paris")
            #expect(body["stop_reason"] == "tool_use")
            // Every field reached Anthropic as sent, under the API's own model name.
            let sent = try #require(gateway.mock.lastBody)
            #expect(sent["model"] == "claude-sonnet-4-0")
            #expect(sent["thinking"]?["budget_tokens"] == 1024)
            #expect(sent["system"]?[0]?["cache_control"]?["type"] == "ephemeral")
            #expect(sent["messages"]?[0]?["content"]?[1] == image)
            #expect(sent["tools"]?[0] == Self.weatherTool)
            #expect(gateway.mock.lastHeaders["anthropic-beta"] == "prompt-caching-2024-07-31")
            #expect(gateway.mock.lastHeaders["anthropic-version"] == "2023-06-01")
            // The system block was written to the cache (3 words), the user turn is 3 + 1 uncached.
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.cacheRead, row.cacheWrite, row.output) == (4, 0, 3, 12))
            #expect(row.endUser == "alice")
            #expect(row.provider == "anthropic" && row.status == 200 && !row.streamed)
            // (4 × 3.00 + 3 × 3.75 + 12 × 15.00) / 1M
            #expect(row.cost == "0.000203250000")
            #expect(String(buffer: response.body).contains("\"cost\":0.00020325"))
        }
    }

    @Test func aClaudeStreamIsPassedOnAndMetered() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "claude-sonnet-4", "max_tokens": 4, "stream": true,
                "system": "be brief please", "messages": [["role": "user", "content": "hello there"]],
            ])
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("content-type")!] == "text/event-stream")
            let text = String(buffer: response.body)
            #expect(text.contains("event: message_start") && text.contains("event: message_stop"))
            #expect(text.contains("\"text\":\"tok1\""))
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.cacheRead, row.cacheWrite, row.output) == (3, 3, 0, 4))
            #expect(row.streamed && !row.estimated && row.status == 200)
        }
    }

    @Test func anOpenAIModelServesTheMessagesAPIThroughTranslation() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "max_tokens": 64, "system": "be brief please",
                "metadata": ["user_id": "bob"],
                "messages": [
                    ["role": "user", "content": "weather in Paris?"],
                    ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["location": "Paris"]]]],
                    ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"], ["type": "text", "text": "thanks"]]],
                ],
                "tools": [Self.weatherTool], "tool_choice": ["type": "any"],
            ])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            // The upstream got a chat completion.
            let sent = try #require(gateway.mock.lastBody)
            #expect(sent["messages"]?[0] == ["role": "system", "content": "be brief please"])
            #expect(sent["messages"]?[2]?["tool_calls"]?[0]?["function"]?["arguments"] == #"{"location":"Paris"}"#)
            #expect(sent["messages"]?[3] == ["role": "tool", "tool_call_id": "toolu_1", "content": "sunny"])
            #expect(sent["messages"]?[4]?["role"] == "user")
            #expect(sent["tools"]?[0]?["function"]?["parameters"] == Self.weatherTool["input_schema"])
            #expect(sent["tool_choice"] == "required")
            #expect(sent["max_completion_tokens"] == 64)
            #expect(sent["user"] == "bob")
            // The client got a Message.
            let body = try response.json()
            #expect(body["type"] == "message" && body["role"] == "assistant" && body["model"] == "gpt-4o-mini")
            #expect(body["content"]?.arrayValue?.count == 1)
            #expect(body["content"]?[0]?["type"] == "tool_use")
            #expect(body["content"]?[0]?["name"] == "get_weather")
            #expect(body["content"]?[0]?["input"] == ["location": "Paris"])
            #expect(body["stop_reason"] == "tool_use")
            // The mock caches system words (3); the prompt is 3 + 3 + 1 + … tokens.
            #expect(body["usage"]?["cache_read_input_tokens"] == 3)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "openai" && row.cacheRead == 3 && row.output == 12 && row.endUser == "bob")
            #expect(row.cost != nil)
        }
    }

    @Test func aTranslatedStreamIsAMessagesStream() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "max_tokens": 4, "stream": true,
                "messages": [["role": "user", "content": "weather?"]], "tools": [Self.weatherTool],
            ])
            #expect(response.status == .ok)
            var parser = SSEParser()
            let events = try parser.feed(response.body)
            let names = events.compactMap(\.event)
            #expect(names.first == "message_start")
            #expect(names.suffix(2) == ["message_delta", "message_stop"])
            #expect(names.filter { $0 == "content_block_start" }.count == 2)
            #expect(names.filter { $0 == "content_block_start" }.count == names.filter { $0 == "content_block_stop" }.count)
            let data = events.compactMap { try? JSONParser.parse($0.data) }
            let text = data.compactMap { $0["delta"]?["text"]?.stringValue }.joined()
            #expect(text == "tok1 tok2 tok3 tok4")
            let arguments = data.compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
            #expect(arguments == #"{"location":"Paris"}"#)
            let delta = try #require(data.first { $0["type"] == "message_delta" })
            #expect(delta["delta"]?["stop_reason"] == "tool_use")
            #expect(delta["usage"]?["output_tokens"] == 4)
            #expect(delta["usage"]?["input_tokens"] == 2)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.streamed && !row.estimated && row.output == 4 && row.uncachedInput == 2)
        }
    }

    @Test func aGeminiModelServesTheMessagesAPI() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gemini-2.5-flash", "max_tokens": 64, "messages": [["role": "user", "content": "hello there"]],
            ])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = try response.json()
            #expect(body["type"] == "message" && body["stop_reason"] == "end_turn")
            #expect(body["content"]?[0]?["text"]?.stringValue?.hasPrefix("tok1") == true)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "gemini" && row.output == 12)
        }
    }

    @Test func serverToolsCannotBeTranslated() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "max_tokens": 64, "messages": [["role": "user", "content": "search"]],
                "tools": [["type": "web_search_20250305", "name": "web_search"]],
            ])
            #expect(response.status == 400)
            let body = try response.json()
            #expect(body["type"] == "error")
            #expect(body["error"]?["type"] == "invalid_request_error")
            #expect(body["error"]?["code"] == "unsupported_for_provider")
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func errorsComeInAnthropicsEnvelope() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            // No max_tokens.
            let invalid = try await Self.send(gateway, key: key, ["model": "claude-sonnet-4", "messages": [["role": "user", "content": "hi"]]])
            #expect(invalid.status == 400)
            #expect(try invalid.json()["error"]?["type"] == "invalid_request_error")
            #expect(try invalid.json()["error"]?["param"] == "max_tokens")
            // Not JSON, wrong types, a bad role.
            for body in ["{", "[]", #"{"model": "claude-sonnet-4", "max_tokens": "many", "messages": []}"#,
                         #"{"model": "claude-sonnet-4", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]}"#] {
                let response = try await gateway.send(.post, "/v1/messages", body: body, headers: [HTTPField.Name("x-api-key")!: key])
                #expect(response.status == 400, "\(body)")
                #expect(try response.json()["type"] == "error")
            }
            // A bad key.
            let unauthorized = try await Self.send(gateway, key: "tg-nope", ["model": "claude-sonnet-4", "max_tokens": 5, "messages": []])
            #expect(unauthorized.status == 401)
            #expect(try unauthorized.json() == ["type": "error", "error": [
                "type": "authentication_error", "message": try unauthorized.json()["error"]?["message"] ?? "", "code": "invalid_api_key",
            ]])
            // An upstream's overload passes as Anthropic's overloaded_error.
            let overloaded = try await Self.send(gateway, key: key, ["model": "claude-mock-error-529", "max_tokens": 5,
                                                                     "messages": [["role": "user", "content": "hi"]]])
            #expect(try overloaded.json()["type"] == "error")
            #expect(gateway.mock.total >= 1)
        }
    }

    @Test func theBudgetRejectionIsARateLimitErrorNamingTheBudget() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("capped", budget: "0.000001")
            let (_, key) = try await gateway.createKey(team: team)
            let response = try await Self.send(gateway, key: key, ["model": "claude-sonnet-4", "max_tokens": 1000,
                                                                   "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == 429)
            #expect(response.headers[HTTPField.Name("x-should-retry")!] == "false")
            let body = try response.json()
            #expect(body["type"] == "error")
            #expect(body["error"]?["type"] == "rate_limit_error")
            #expect(body["error"]?["code"] == "insufficient_quota")
            #expect(body["error"]?["message"]?.stringValue?.contains("team 'capped'") == true)
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func countTokensIsForwardedToAnthropicAndNotBilled() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            var headers = HTTPFields()
            headers[HTTPField.Name("anthropic-beta")!] = "token-counting-2024-11-01"
            let counted = try await Self.send(gateway, key: key, [
                "model": "claude-sonnet-4", "system": "be brief", "messages": [["role": "user", "content": "hello there"]],
            ], headers: headers, path: "/v1/messages/count_tokens")
            #expect(counted.status == 200, "\(String(buffer: counted.body))")
            #expect(try counted.json()["input_tokens"] == 5)
            #expect(gateway.mock.byPath["/v1/messages/count_tokens"] == 1)
            #expect(gateway.mock.lastHeaders["anthropic-beta"] == "token-counting-2024-11-01")
            #expect(gateway.mock.lastBody?["model"] == "claude-sonnet-4-0")
            // A model no Anthropic deployment serves gets Tollgate's estimate.
            let estimated = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "messages": [["role": "user", "content": "hello there, how are you today"]],
            ], path: "/v1/messages/count_tokens")
            #expect(estimated.status == 200)
            #expect((try estimated.json()["input_tokens"]?.intValue ?? 0) > 0)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func aCutStreamEndsWithAnErrorEventAndIsBilled() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "claude-mock-stream-cut", "max_tokens": 50, "stream": true, "messages": [["role": "user", "content": "hello there"]],
            ])
            #expect(response.status == .ok)
            var parser = SSEParser()
            let events = try parser.feed(response.body) + (parser.finish().map { [$0] } ?? [])
            #expect(!events.contains { $0.event == "message_stop" })
            let last = try #require(events.last)
            #expect(last.event == "error")
            #expect(try JSONParser.parse(last.data)["error"]?["type"] == "api_error")
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.status == 502 && row.streamed)
            // The input Anthropic reported in message_start; the output bound it may still bill.
            #expect(row.uncachedInput == 3 && row.output == 50)
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyIsAnsweredOnce() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let body: JSONValue = ["model": "claude-sonnet-4", "max_tokens": 16, "messages": [["role": "user", "content": "hello"]]]
            let headers: HTTPFields = [HTTPField.Name("idempotency-key")!: "retry-1"]
            let first = try await Self.send(gateway, key: key, body, headers: headers)
            let second = try await Self.send(gateway, key: key, body, headers: headers)
            #expect(first.status == .ok && second.status == .ok)
            #expect(second.headers[HTTPField.Name("x-tollgate-idempotent-replay")!] == "true")
            #expect(first.body == second.body)
            #expect(gateway.mock.byPath["/v1/messages"] == 1)
            #expect(try await gateway.usageRows().count == 1)
            // The same key with another body is refused, in Anthropic's envelope.
            let changed = try await Self.send(gateway, key: key, ["model": "claude-sonnet-4", "max_tokens": 17, "messages": [["role": "user", "content": "hello"]]],
                                              headers: headers)
            #expect(changed.status == 422)
            #expect(try changed.json()["error"]?["code"] == "idempotency_key_reused")
        }
    }
}
