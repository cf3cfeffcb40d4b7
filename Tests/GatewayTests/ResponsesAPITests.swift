import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport
@testable import Gateway

/// OpenAI's Responses API at `/v1/responses`: passed through to deployments that serve it,
/// translated to chat completions for the others, metered like chat.
@Suite struct ResponsesAPITests {
    static let weatherTool: JSONValue = [
        "type": "function", "name": "get_weather", "description": "The weather somewhere",
        "parameters": ["type": "object", "properties": ["location": ["type": "string"]]],
    ]

    static func send(_ gateway: GatewayHarness, key: String, _ body: JSONValue, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await gateway.send(.post, "/v1/responses", bearer: key, body: String(buffer: body.jsonBytes), headers: headers)
    }

    static func events(_ body: ByteBuffer) throws -> [(type: String, data: JSONValue)] {
        var parser = SSEParser()
        return try parser.feed(body).map { ($0.event ?? "", try JSONParser.parse($0.data)) }
    }

    @Test func openAIServesTheResponsesAPIItselfAndItIsMetered() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "instructions": "be brief please", "input": "hello there", "store": true,
                "safety_identifier": "carol", "metadata": ["task": "summaries"],
            ])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(gateway.mock.byPath["/v1/responses"] == 1)
            let sent = try #require(gateway.mock.lastBody)
            #expect(sent["store"] == true && sent["instructions"] == "be brief please")
            #expect(sent["metadata"] == nil)  // Tollgate's task is not forwarded
            let body = try response.json()
            #expect(body["object"] == "response" && body["status"] == "completed")
            #expect(body["output"]?[0]?["content"]?[0]?["text"]?.stringValue?.hasPrefix("tok1") == true)
            // The mock: instructions are 3 cached words + 1, the input 2 + 1; 12 out.
            #expect(body["usage"]?["input_tokens"] == 7)
            #expect(body["usage"]?["input_tokens_details"]?["cached_tokens"] == 3)
            #expect(String(buffer: response.body).contains("\"cost\":"))
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.cacheRead, row.output) == (4, 3, 12))
            #expect(row.provider == "openai" && row.task == "summaries" && row.endUser == "carol" && row.cost != nil)
        }
    }

    @Test func aNativeResponsesStreamIsPassedOnAndMetered() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "gpt-4o-mini", "input": "hello there", "stream": true, "max_output_tokens": 4, "tools": [Self.weatherTool],
            ])
            #expect(response.status == .ok)
            let events = try Self.events(response.body)
            #expect(events.first?.type == "response.created")
            #expect(events.last?.type == "response.incomplete")
            #expect(events.contains { $0.type == "response.function_call_arguments.done" })
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.streamed && !row.estimated && row.output == 4 && row.uncachedInput == 3)
        }
    }

    @Test func claudeServesTheResponsesAPIThroughTranslation() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "claude-sonnet-4", "instructions": "be brief please", "max_output_tokens": 64,
                "input": [
                    ["role": "user", "content": [["type": "input_text", "text": "weather here?"],
                                                 ["type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="]]],
                    ["type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": #"{"location":"Paris"}"#],
                    ["type": "function_call_output", "call_id": "call_1", "output": "sunny"],
                ],
                "tools": [Self.weatherTool], "tool_choice": "required",
            ])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            // Claude got a Messages request.
            let sent = try #require(gateway.mock.lastBody)
            #expect(sent["system"] == [["type": "text", "text": "be brief please"]])
            #expect(sent["max_tokens"] == 64)
            #expect(sent["messages"]?[0]?["content"]?[1]?["type"] == "image")
            #expect(sent["messages"]?[1]?["content"]?[0]?["type"] == "tool_use")
            #expect(sent["messages"]?[2]?["content"]?[0]?["type"] == "tool_result")
            #expect(sent["tools"]?[0]?["name"] == "get_weather")
            #expect(sent["tool_choice"] == ["type": "any"])
            let body = try response.json()
            #expect(body["object"] == "response" && body["model"] == "claude-sonnet-4" && body["store"] == false)
            let output = try #require(body["output"]?.arrayValue)
            #expect(output.map { $0["type"] } == ["message", "function_call"])
            #expect(output[1]["name"] == "get_weather" && output[1]["arguments"] == #"{"location":"Paris"}"#)
            #expect(body["usage"]?["input_tokens_details"]?["cached_tokens"] == 3)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "anthropic" && row.cacheRead == 3 && row.output == 12 && row.cost != nil)
        }
    }

    @Test func aTranslatedStreamIsAResponsesStream() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await Self.send(gateway, key: key, [
                "model": "claude-sonnet-4", "input": "weather?", "stream": true, "max_output_tokens": 40, "tools": [Self.weatherTool],
            ])
            #expect(response.status == .ok)
            let events = try Self.events(response.body)
            #expect(events.map(\.data["sequence_number"]?.intValue) == Array(0..<events.count))
            #expect(events.prefix(2).map(\.type) == ["response.created", "response.in_progress"])
            #expect(events.last?.type == "response.completed")
            let text = events.filter { $0.type == "response.output_text.delta" }.compactMap { $0.data["delta"]?.stringValue }.joined()
            #expect(text.hasPrefix("tok1 tok2"))
            let arguments = events.filter { $0.type == "response.function_call_arguments.delta" }.compactMap { $0.data["delta"]?.stringValue }.joined()
            #expect(arguments == #"{"location": "Paris"}"#)
            let completed = try #require(events.last?.data["response"])
            #expect(completed["output"]?.arrayValue?.map { $0["type"] } == ["message", "function_call"])
            #expect(completed["usage"]?["output_tokens"] == 12)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.streamed && !row.estimated && row.output == 12)
        }
    }

    @Test func qwenAndGeminiAreTranslatedToChat() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for model in ["qwen-plus", "gemini-2.5-flash"] {
                let response = try await Self.send(gateway, key: key, ["model": .string(model), "input": "hello there", "max_output_tokens": 5])
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try response.json()
                #expect(body["status"] == "incomplete" && body["incomplete_details"]?["reason"] == "max_output_tokens")
                #expect(body["usage"]?["output_tokens"] == 5)
            }
            #expect(gateway.mock.byPath["/v1/responses"] == nil)
            #expect(try await gateway.usageRows().count == 2)
        }
    }

    @Test func stateAndBuiltInToolsCannotBeTranslated() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let refused: [(JSONValue, String)] = [
                (["model": "claude-sonnet-4", "input": "hi", "store": true], "store"),
                (["model": "claude-sonnet-4", "previous_response_id": "resp_1", "input": "hi"], "previous_response_id"),
                (["model": "claude-sonnet-4", "input": "hi", "tools": [["type": "web_search"]]], "tools[0]"),
                (["model": "gemini-2.5-flash", "input": [["role": "user", "content": [["type": "input_file", "file_id": "f"]]]]], "input[0].content"),
            ]
            for (body, param) in refused {
                let response = try await Self.send(gateway, key: key, body)
                #expect(response.status == 400, "\(body)")
                #expect(try response.json()["error"]?["code"] == "unsupported_for_provider")
                #expect(try response.json()["error"]?["param"] == .string(param))
            }
            #expect(gateway.mock.total == 0)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func badBodiesAreClearErrors() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for body in ["{", "[]", #"{"input": "hi"}"#, #"{"model": "gpt-4o-mini"}"#, #"{"model": "gpt-4o-mini", "input": 5}"#,
                         #"{"model": "gpt-4o-mini", "input": "hi", "max_output_tokens": 0}"#, #"{"model": "gpt-4o-mini", "input": "hi", "stream": "yes"}"#] {
                let response = try await gateway.send(.post, "/v1/responses", bearer: key, body: body)
                #expect(response.status == 400, "\(body)")
                #expect(try response.json()["error"]?["type"] == "invalid_request_error")
            }
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func responsesAPIIsAnOpenAICompatibleProvidersSetting() throws {
        let parsed = try ProviderCatalog.providers(of: ProviderCatalog.decode(yaml: """
            providers:
              - name: vllm
                base_url: http://127.0.0.1:9/v1
                responses_api: true
                models: [llama]
              - name: ollama
                base_url: http://127.0.0.1:9/v1
                models: [llama]
            """), environment: [:])
        #expect(parsed.deployments.map(\.responsesAPI) == [true, false])
        #expect(throws: ConfigurationError.self) {
            _ = try ProviderCatalog.providers(of: ProviderCatalog.decode(yaml: """
                providers:
                  - name: claude
                    kind: anthropic
                    base_url: http://127.0.0.1:9
                    responses_api: true
                """), environment: [:])
        }
    }

    /// Translated Responses and their stream events validate against OpenAI's published schemas
    /// (`Response` and each event's), whichever provider served them.
    @Test(arguments: ["claude-sonnet-4", "gemini-2.5-flash", "qwen-plus", "gpt-4o-mini"])
    func answersAndEventsConformToOpenAIsSchemas(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for body: JSONValue in [
                ["model": .string(model), "instructions": "be brief", "input": "hello there", "metadata": ["trace": "t1"]],
                ["model": .string(model), "input": "weather?", "tools": [Self.weatherTool], "max_output_tokens": 5],
            ] {
                let response = try await Self.send(gateway, key: key, body)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let problems = OpenAISchemas.shared.problems(try response.json(), against: "Response")
                #expect(problems.isEmpty, "\(model): \(problems)")
                var streamed = body.objectValue ?? [:]
                streamed["stream"] = true
                let events = try Self.events(try await Self.send(gateway, key: key, .object(streamed)).body)
                #expect(!events.isEmpty)
                for event in events {
                    guard let schema = Self.eventSchemas[event.type] else {
                        Issue.record("\(model): an event OpenAI does not define: \(event.type)")
                        continue
                    }
                    let problems = OpenAISchemas.shared.problems(event.data, against: schema)
                    #expect(problems.isEmpty, "\(model) \(event.type): \(problems)")
                }
            }
        }
    }

    static let eventSchemas = [
        "response.created": "ResponseCreatedEvent", "response.in_progress": "ResponseInProgressEvent",
        "response.output_item.added": "ResponseOutputItemAddedEvent", "response.content_part.added": "ResponseContentPartAddedEvent",
        "response.output_text.delta": "ResponseTextDeltaEvent", "response.output_text.done": "ResponseTextDoneEvent",
        "response.content_part.done": "ResponseContentPartDoneEvent", "response.output_item.done": "ResponseOutputItemDoneEvent",
        "response.function_call_arguments.delta": "ResponseFunctionCallArgumentsDeltaEvent",
        "response.function_call_arguments.done": "ResponseFunctionCallArgumentsDoneEvent",
        "response.completed": "ResponseCompletedEvent", "response.incomplete": "ResponseIncompleteEvent", "error": "ResponseErrorEvent",
    ]
}
