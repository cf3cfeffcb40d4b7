import NIOCore
import OpenAIWire
import Testing
@testable import Providers

/// Bodies as Google documents them (generateContent, streamGenerateContent with alt=sse, errors).
@Suite struct GeminiTranslationTests {
    @Test func translatesAConversationWithToolsAndImages() throws {
        let request = try ChatCompletionRequest(json: [
            "model": "gemini-2.5-flash",
            "messages": [
                ["role": "system", "content": "You are terse."],
                ["role": "user", "content": [
                    ["type": "text", "text": "What is in this image?"],
                    ["type": "image_url", "image_url": ["url": "data:image/jpeg;base64,/9j/4AAQ"]],
                ]],
                ["role": "assistant", "content": "Let me look it up.", "tool_calls": [[
                    "id": "call_7", "type": "function", "function": ["name": "lookup", "arguments": #"{"q":"cat"}"#],
                ]]],
                ["role": "tool", "tool_call_id": "call_7", "content": #"{"answer": "a cat"}"#],
            ],
            "tools": [["type": "function", "function": [
                "name": "lookup", "description": "Search",
                "parameters": ["type": "object", "additionalProperties": false, "properties": ["q": ["type": "string"]]],
            ]]],
            "tool_choice": ["type": "function", "function": ["name": "lookup"]],
            "temperature": 0.2, "max_tokens": 256, "stop": ["\n\n"], "response_format": ["type": "json_object"],
        ])
        let body = try GeminiChat.request(request)
        #expect(body["systemInstruction"] == ["parts": [["text": "You are terse."]]])
        #expect(body["contents"] == [
            ["role": "user", "parts": [["text": "What is in this image?"], ["inlineData": ["mimeType": "image/jpeg", "data": "/9j/4AAQ"]]]],
            ["role": "model", "parts": [["text": "Let me look it up."], ["functionCall": ["name": "lookup", "args": ["q": "cat"]]]]],
            ["role": "user", "parts": [["functionResponse": ["name": "lookup", "response": ["answer": "a cat"]]]]],
        ])
        #expect(body["generationConfig"] == [
            "temperature": .number(0.2), "maxOutputTokens": 256, "stopSequences": ["\n\n"], "responseMimeType": "application/json",
        ])
        // Gemini refuses additionalProperties in function parameters.
        #expect(body["tools"] == [["functionDeclarations": [[
            "name": "lookup", "description": "Search", "parameters": ["type": "object", "properties": ["q": ["type": "string"]]],
        ]]]])
        #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": ["lookup"]]])
    }

    @Test func translatesAnAnswerWithAFunctionCallAndThinkingUsage() throws {
        let answer = try JSONParser.parse(#"""
            {"candidates": [{"content": {"parts": [{"text": "thinking...", "thought": true}, {"text": "Calling it."},
                                                   {"functionCall": {"name": "get_weather", "args": {"location": "Boston"}}}],
                                         "role": "model"},
                             "finishReason": "STOP", "index": 0}],
             "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 50, "cachedContentTokenCount": 1000,
                               "thoughtsTokenCount": 30, "totalTokenCount": 1280},
             "modelVersion": "gemini-2.5-pro", "responseId": "abc123"}
            """#)
        let completion = GeminiChat.completion(answer, model: "gemini-2.5-pro")
        let choice = try #require(completion["choices"]?[0])
        #expect(choice["message"]?["content"] == "Calling it.")
        #expect(choice["finish_reason"] == "tool_calls")
        #expect(choice["message"]?["tool_calls"]?[0]?["function"] == ["name": "get_weather", "arguments": #"{"location":"Boston"}"#])
        // promptTokenCount already includes the cached part; thinking is output not in candidatesTokenCount.
        #expect(Usage(json: completion["usage"] ?? nil) == Usage(promptTokens: 1200, completionTokens: 80, cachedTokens: 1000, reasoningTokens: 30))
    }

    @Test func aBlockedPromptIsAContentFilterFinish() throws {
        let answer = try JSONParser.parse(#"{"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}}"#)
        let choice = try #require(GeminiChat.completion(answer, model: "gemini-2.5-flash")["choices"]?[0])
        #expect(choice["finish_reason"] == "content_filter")
        #expect(choice["message"]?["content"] == .null)
    }

    @Test(arguments: [("STOP", false, "stop"), ("STOP", true, "tool_calls"), ("MAX_TOKENS", false, "length"), ("SAFETY", false, "content_filter"),
                      ("RECITATION", false, "content_filter"), ("PROHIBITED_CONTENT", false, "content_filter"), ("OTHER", false, "stop")])
    func finishReasons(gemini: String, calledTools: Bool, openAI: String) {
        #expect(GeminiChat.finishReason(gemini, calledTools: calledTools) == openAI)
    }

    static let stream = """
        data: {"candidates": [{"content": {"parts": [{"text": "The"}], "role": "model"}, "index": 0}], "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}, "modelVersion": "gemini-2.5-flash", "responseId": "r1"}

        data: {"candidates": [{"content": {"parts": [{"text": " sky is blue."}], "role": "model"}, "index": 0}], "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}, "modelVersion": "gemini-2.5-flash", "responseId": "r1"}

        data: {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP", "index": 0}], "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 5, "totalTokenCount": 14}, "modelVersion": "gemini-2.5-flash", "responseId": "r1"}


        """

    static func translate(_ text: String) throws -> [JSONValue?] {
        var translator = GeminiStreamTranslator(model: "gemini-2.5-flash")
        var parser = SSEParser()
        var out: [SSEEvent] = []
        for event in try parser.feed(ByteBuffer(string: text)) { out += try translator.translate(event) }
        out += try translator.finish()
        return out.map { $0.data == "[DONE]" ? nil : try? JSONParser.parse($0.data) }
    }

    @Test func translatesAStream() throws {
        let chunks = try Self.translate(Self.stream)
        #expect(chunks.count == 6)
        #expect(chunks[0]?["choices"]?[0]?["delta"] == ["role": "assistant", "content": ""])
        #expect(chunks[1]?["choices"]?[0]?["delta"] == ["content": "The"])
        #expect(chunks[2]?["choices"]?[0]?["delta"] == ["content": " sky is blue."])
        #expect(chunks[3]?["choices"]?[0]?["finish_reason"] == "stop")
        #expect(Usage(json: chunks[4]?["usage"] ?? nil) == Usage(promptTokens: 9, completionTokens: 5))
        #expect(chunks[5] == nil)
    }

    @Test func aCutStreamGetsNoUsageAndNoDone() throws {
        let firstEvent = Self.stream.components(separatedBy: "\n\n")[0] + "\n\n"
        let chunks = try Self.translate(firstEvent)
        #expect(chunks.count == 2)
        #expect(!chunks.contains { $0 == nil })
    }

    @Test(arguments: [
        (429, "RESOURCE_EXHAUSTED", "rate_limit_error"), (400, "INVALID_ARGUMENT", "invalid_request_error"),
        (403, "PERMISSION_DENIED", "permission_error"), (503, "UNAVAILABLE", "api_error"),
    ])
    func errorBodies(code: Int, status: String, openAIType: String) throws {
        let body = ByteBuffer(string: #"{"error": {"code": \#(code), "message": "Resource has been exhausted (e.g. check quota).", "status": "\#(status)"}}"#)
        let envelope = try #require(GeminiErrors.envelope(status: code, body: body))
        #expect(envelope.error.type == openAIType)
        #expect(envelope.error.code == status)
        #expect(envelope.error.message.hasPrefix("Gemini: Resource has been exhausted"))
    }

    /// Gemini's usageMetadata is cumulative: the last one seen is what a cut stream is billed from.
    @Test func usageSoFarIsTheLastUsageMetadata() throws {
        var translator = GeminiStreamTranslator(model: "gemini-2.5-flash")
        #expect(translator.usageSoFar == nil)
        _ = try translator.translate(SSEEvent(data: #"{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":3,"thoughtsTokenCount":10}}"#))
        #expect(translator.usageSoFar == Usage(promptTokens: 40, completionTokens: 13, reasoningTokens: 10))
        _ = try translator.translate(SSEEvent(data: #"{"candidates":[{"content":{"parts":[{"text":" there"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":9,"thoughtsTokenCount":10}}"#))
        #expect(translator.usageSoFar == Usage(promptTokens: 40, completionTokens: 19, reasoningTokens: 10))
    }
}
