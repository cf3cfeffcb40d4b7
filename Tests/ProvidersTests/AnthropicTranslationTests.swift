import NIOCore
import OpenAIWire
import Testing
@testable import Providers

/// Bodies as Anthropic documents them (Messages API, streaming events, errors).
@Suite struct AnthropicTranslationTests {
    static func chat(_ json: JSONValue) throws -> ChatCompletionRequest {
        try ChatCompletionRequest(json: json)
    }

    @Test func translatesAConversationWithToolsImagesAndSystemPrompts() throws {
        let request = try Self.chat([
            "model": "claude-sonnet-4",
            "messages": [
                ["role": "system", "content": "You are terse."],
                ["role": "developer", "content": [["type": "text", "text": "Use tools.", "cache_control": ["type": "ephemeral"]]]],
                ["role": "user", "content": [
                    ["type": "text", "text": "Weather where this photo was taken?"],
                    ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo="]],
                    ["type": "image_url", "image_url": ["url": "https://example.com/paris.jpg"]],
                ]],
                ["role": "assistant", "content": nil, "tool_calls": [[
                    "id": "toolu_01", "type": "function", "function": ["name": "get_weather", "arguments": #"{"location":"Paris"}"#],
                ]]],
                ["role": "tool", "tool_call_id": "toolu_01", "content": "18°C, sunny"],
                ["role": "user", "content": "Thanks. Anything else?"],
            ],
            "tools": [["type": "function", "function": [
                "name": "get_weather", "description": "Weather by city",
                "parameters": ["type": "object", "properties": ["location": ["type": "string"]], "required": ["location"]],
            ]]],
            "tool_choice": "required", "parallel_tool_calls": false,
            "temperature": 1.5, "top_p": 0.9, "stop": "END", "user": "u-42",
        ])
        let body = try AnthropicChat.request(request, model: "claude-sonnet-4-0", stream: true)
        #expect(body["model"] == "claude-sonnet-4-0")
        #expect(body["max_tokens"] == 4096)
        #expect(body["stream"] == true)
        #expect(body["system"] == [
            ["type": "text", "text": "You are terse."],
            ["type": "text", "text": "Use tools.", "cache_control": ["type": "ephemeral"]],
        ])
        #expect(body["temperature"] == .number(1))  // Claude's range ends at 1
        #expect(body["top_p"] == .number(0.9))
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["metadata"] == ["user_id": "u-42"])
        #expect(body["tools"] == [[
            "name": "get_weather", "description": "Weather by city",
            "input_schema": ["type": "object", "properties": ["location": ["type": "string"]], "required": ["location"]],
        ]])
        #expect(body["tool_choice"] == ["type": "any", "disable_parallel_tool_use": true])

        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"] } == ["user", "assistant", "user"])
        #expect(messages[0]["content"] == [
            ["type": "text", "text": "Weather where this photo was taken?"],
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
            ["type": "image", "source": ["type": "url", "url": "https://example.com/paris.jpg"]],
        ])
        #expect(messages[1]["content"] == [["type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": ["location": "Paris"]]])
        // The tool result and the next user turn merge into one user message.
        #expect(messages[2]["content"] == [
            ["type": "tool_result", "tool_use_id": "toolu_01", "content": "18°C, sunny"],
            ["type": "text", "text": "Thanks. Anything else?"],
        ])
    }

    static let toolChoiceCases: [(JSONValue, JSONValue)] = [
        ("none", ["type": "none"]), ("auto", ["type": "auto"]), ("required", ["type": "any"]),
        (["type": "function", "function": ["name": "f"]], ["type": "tool", "name": "f"]),
    ]

    @Test(arguments: toolChoiceCases)
    func toolChoices(openAI: JSONValue, anthropic: JSONValue) {
        #expect(AnthropicChat.toolChoice(openAI).map(JSONValue.object) == anthropic)
    }

    @Test func maxTokensAndJSONModeAreCarriedOver() throws {
        let body = try AnthropicChat.request(try Self.chat([
            "model": "m", "max_completion_tokens": 300, "response_format": ["type": "json_object"],
            "messages": [["role": "user", "content": "list three colours"]],
        ]), model: "m", stream: false)
        #expect(body["max_tokens"] == 300)
        #expect(body["stream"] == nil)
        #expect(body["system"]?[0]?["text"]?.stringValue?.contains("JSON object") == true)
    }

    @Test func refusesWhatClaudeCannotTake() throws {
        #expect(throws: ProviderError.self) {
            try AnthropicChat.request(try Self.chat(["model": "m", "messages": [["role": "system", "content": "only a system prompt"]]]), model: "m", stream: false)
        }
        #expect(throws: ProviderError.self) {
            try AnthropicChat.request(try Self.chat(["model": "m", "messages": [["role": "user", "content": [["type": "input_audio", "input_audio": [:]]]]]]),
                                      model: "m", stream: false)
        }
    }

    @Test func translatesAMessageWithToolUseAndCacheUsage() throws {
        let message = try JSONParser.parse(#"""
            {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
             "content": [{"type": "text", "text": "I'll check the weather."},
                         {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"location": "San Francisco, CA"}}],
             "stop_reason": "tool_use", "stop_sequence": null,
             "usage": {"input_tokens": 100, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 2000, "output_tokens": 80}}
            """#)
        let completion = try AnthropicChat.completion(message, model: "claude-sonnet-4")
        #expect(completion["model"] == "claude-sonnet-4")
        #expect(completion["id"] == "msg_01XFDUDYJgAACzvnptvVoYEL")
        let choice = try #require(completion["choices"]?[0])
        #expect(choice["finish_reason"] == "tool_calls")
        #expect(choice["message"]?["content"] == "I'll check the weather.")
        #expect(choice["message"]?["tool_calls"] == [[
            "id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
            "function": ["name": "get_weather", "arguments": #"{"location":"San Francisco, CA"}"#],
        ]])
        // Anthropic's input_tokens leaves out cache reads and writes; OpenAI's prompt_tokens has them.
        let usage = try #require(Usage(json: completion["usage"] ?? nil))
        #expect(usage == Usage(promptTokens: 2600, completionTokens: 80, cachedTokens: 2000, cacheWriteTokens: 500))
    }

    @Test(arguments: [("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
                      ("refusal", "content_filter"), ("pause_turn", "stop")])
    func stopReasons(anthropic: String, openAI: String) {
        #expect(AnthropicChat.finishReason(anthropic) == openAI)
    }

    static let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_read_input_tokens":100,"cache_creation_input_tokens":0,"output_tokens":2}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisco, CA\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    static func translate(_ text: String, translator: inout some StreamTranslator) throws -> [JSONValue?] {
        var parser = SSEParser()
        var out: [SSEEvent] = []
        for event in try parser.feed(ByteBuffer(string: text)) { out += try translator.translate(event) }
        out += try translator.finish()
        return out.map { $0.data == "[DONE]" ? nil : try? JSONParser.parse($0.data) }
    }

    @Test func translatesAStreamWithTextAndToolArguments() throws {
        var translator = AnthropicStreamTranslator(model: "claude-sonnet-4")
        let chunks = try Self.translate(Self.stream, translator: &translator)
        #expect(chunks.count == 8)
        #expect(chunks[0]?["choices"]?[0]?["delta"] == ["role": "assistant", "content": ""])
        #expect(chunks[0]?["model"] == "claude-sonnet-4")
        #expect(chunks[0]?["object"] == "chat.completion.chunk")
        #expect(chunks[1]?["choices"]?[0]?["delta"] == ["content": "Okay, let's check"])
        #expect(chunks[2]?["choices"]?[0]?["delta"]?["tool_calls"] == [[
            "index": 0, "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "type": "function", "function": ["name": "get_weather", "arguments": ""],
        ]])
        let arguments = [chunks[3], chunks[4]].compactMap { $0?["choices"]?[0]?["delta"]?["tool_calls"]?[0]?["function"]?["arguments"]?.stringValue }
        #expect(arguments.joined() == #"{"location": "San Francisco, CA"}"#)
        #expect(chunks[5]?["choices"]?[0]?["finish_reason"] == "tool_calls")
        #expect(chunks[6]?["choices"] == [])
        #expect(Usage(json: chunks[6]?["usage"] ?? nil) == Usage(promptTokens: 572, completionTokens: 89, cachedTokens: 100))
        #expect(chunks[7] == nil)  // [DONE]
    }

    /// A stream that ends early is billed from what Anthropic reported so far: message_start
    /// brings the input and cache buckets, each message_delta cumulative counts.
    @Test func usageSoFarComesFromMessageStartAndDeltas() throws {
        var translator = AnthropicStreamTranslator(model: "claude-sonnet-4")
        #expect(translator.usageSoFar == nil)
        var parser = SSEParser()
        let events = try parser.feed(ByteBuffer(string: Self.stream))
        _ = try translator.translate(events[0])  // message_start
        #expect(translator.usageSoFar == Usage(promptTokens: 572, completionTokens: 2, cachedTokens: 100))
        for event in events.dropFirst() where event.event != "message_stop" { _ = try translator.translate(event) }
        #expect(translator.usageSoFar == Usage(promptTokens: 572, completionTokens: 89, cachedTokens: 100))
        // A delta that repeats the input counts (as Anthropic's now do) replaces them.
        let delta = SSEEvent(event: "message_delta", data: #"{"type":"message_delta","delta":{},"usage":{"input_tokens":500,"output_tokens":120}}"#)
        _ = try translator.translate(delta)
        #expect(translator.usageSoFar == Usage(promptTokens: 600, completionTokens: 120, cachedTokens: 100))
    }

    @Test func absurdCountsSaturateAndAreImplausible() {
        let usage = AnthropicUsage.usage(["input_tokens": .integer(Int64.max), "cache_read_input_tokens": .integer(Int64.max), "output_tokens": -3])
        #expect(usage.promptTokens == Int.max)
        #expect(!usage.isPlausible)
        #expect(!AnthropicUsage.usage(["input_tokens": .number(1e30)]).isPlausible)
        #expect(AnthropicUsage.usage(["input_tokens": 10, "output_tokens": 5]).isPlausible)
    }

    @Test func anErrorEventMidStreamIsAnUpstreamError() throws {
        var translator = AnthropicStreamTranslator(model: "claude-sonnet-4")
        let text = "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"
        #expect {
            try Self.translate(text, translator: &translator)
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.kind == .upstreamStatus(529) && error.envelope.error.code == "overloaded_error"
        }
    }

    @Test(arguments: [
        (529, "overloaded_error", "server_error"), (429, "rate_limit_error", "rate_limit_error"),
        (400, "invalid_request_error", "invalid_request_error"), (401, "authentication_error", "authentication_error"),
        (404, "not_found_error", "invalid_request_error"), (500, "api_error", "api_error"),
    ])
    func errorBodies(status: Int, type: String, openAIType: String) throws {
        let body = ByteBuffer(string: #"{"type": "error", "error": {"type": "\#(type)", "message": "details here"}}"#)
        let envelope = try #require(AnthropicErrors.envelope(status: status, body: body))
        #expect(envelope.error.type == openAIType)
        #expect(envelope.error.code == type)
        #expect(envelope.error.message == "Anthropic: details here")
    }
}
