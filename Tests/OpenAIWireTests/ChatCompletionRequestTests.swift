import NIOCore
import Testing
@testable import OpenAIWire

@Suite struct ChatCompletionRequestTests {
    static let valid = #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#

    @Test(arguments: [
        ("{not json", nil as String?, "not valid JSON"),
        ("[1, 2]", nil, "must be a JSON object"),
        (#"{"model": "", "messages": [{"role": "user", "content": "x"}]}"#, "model", "expected a non-empty string, but got string"),
        (#"{"model": 4, "messages": [{"role": "user", "content": "x"}]}"#, "model", "expected a non-empty string, but got number"),
        (#"{"model": "m"}"#, "messages", "Missing required parameter: 'messages'"),
        (#"{"model": "m", "messages": "hi"}"#, "messages", "expected an array, but got string"),
        (#"{"model": "m", "messages": []}"#, "messages", "at least one message"),
        (#"{"model": "m", "messages": [{"content": "x"}]}"#, "messages[0].role", "with a string 'role'"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}"#, "stream", "expected a boolean"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": "10"}"#, "max_tokens", "expected an integer"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, "max_tokens", "at least 1"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": true}"#, "stream_options", "expected an object"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "metadata": {"task": 3}}"#, "metadata.task", "expected a string"),
    ])
    func invalidBodiesAreRefusedNamingTheField(body: String, param: String?, message: String) {
        #expect {
            try ChatCompletionRequest(body: ByteBuffer(string: body))
        } throws: { error in
            guard let error = error as? WireError else { return false }
            return error.param == param && error.message.contains(message)
        }
    }

    @Test func unknownFieldsSurviveTheRoundTrip() throws {
        let body = #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi", "name": "bob"}], "temperature": 0.7, "seed": 12345678901234, "logit_bias": {"50256": -100}, "vendor_extension": {"a": [1, 2.5, null, true]}}"#
        let request = try ChatCompletionRequest(body: ByteBuffer(string: body))
        let reparsed = try WireCoding.decode(JSONValue.self, from: try request.encoded())
        #expect(reparsed == (try WireCoding.decode(JSONValue.self, from: ByteBuffer(string: body))))
        #expect(reparsed["seed"] == .integer(12_345_678_901_234))
        #expect(reparsed["temperature"] == .number(0.7))
    }

    @Test func theTaskIsReadAndRemovedLeavingOtherMetadata() throws {
        var request = try ChatCompletionRequest(json: [
            "model": "m", "messages": [["role": "user", "content": "x"]], "metadata": ["task": "summarise", "user": "u1"],
        ])
        #expect(request.metadataTask == "summarise")
        request.removeMetadataTask()
        #expect(request.body["metadata"] == ["user": "u1"])

        var only = try ChatCompletionRequest(json: ["model": "m", "messages": [["role": "user", "content": "x"]], "metadata": ["task": "t"]])
        only.removeMetadataTask()
        #expect(only.body["metadata"] == nil)
    }

    @Test func streamUsageIsRequestedKeepingOtherOptions() throws {
        var request = try ChatCompletionRequest(json: [
            "model": "m", "messages": [["role": "user", "content": "x"]], "stream": true, "stream_options": ["include_obfuscation": false],
        ])
        #expect(!request.clientWantsStreamUsage)
        request.requestStreamUsage()
        #expect(request.body["stream_options"] == ["include_obfuscation": false, "include_usage": true])
    }

    @Test func maxOutputPrefersMaxCompletionTokens() throws {
        let request = try ChatCompletionRequest(json: [
            "model": "m", "messages": [["role": "user", "content": "x"]], "max_tokens": 10, "max_completion_tokens": 20,
        ])
        #expect(request.maxOutputTokens == 20)
    }

    @Test func promptTextReadsStringsAndTextParts() throws {
        let request = try ChatCompletionRequest(json: [
            "model": "m",
            "messages": [
                ["role": "system", "content": "be brief"],
                ["role": "user", "content": [["type": "text", "text": "look"], ["type": "image_url", "image_url": ["url": "https://x"]]]],
            ],
        ])
        #expect(request.promptText == "be brief\nlook\n")
    }

    @Test func anUnchangedBodyGoesOnAsItCame() throws {
        let text = #"{ "model" : "gpt-4o",  "messages": [{"role": "user", "content": "hi \u00e9"}], "temperature": 0.70 }"#
        var request = try ChatCompletionRequest(body: ByteBuffer(string: text))
        #expect(String(buffer: try request.encoded()) == text)
        // The same model name again and no metadata.task to remove: still as it came.
        request.model = "gpt-4o"
        request.removeMetadataTask()
        #expect(String(buffer: try request.encoded()) == text)
        // An edit writes the body again.
        request.model = "gpt-4o-2024-08-06"
        let edited = try JSONParser.parse(try request.encoded())
        #expect(edited["model"] == "gpt-4o-2024-08-06" && edited["temperature"] == 0.70)

        var tagged = try ChatCompletionRequest(body: ByteBuffer(string: #"{"model":"m","metadata":{"task":"t"},"messages":[{"role":"user","content":"x"}]}"#))
        tagged.removeMetadataTask()
        #expect(try JSONParser.parse(try tagged.encoded())["metadata"] == nil)
        var streamed = try ChatCompletionRequest(body: ByteBuffer(string: #"{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}"#))
        streamed.requestStreamUsage()
        #expect(try JSONParser.parse(try streamed.encoded())["stream_options"]?["include_usage"] == true)
    }

    @Test func aBodyNamingAMemberTwiceIsNeverForwardedAsItCame() throws {
        // Read here as the last "model"; an upstream might read the first: it gets the one Tollgate routed.
        let text = #"{"model":"cheap","model":"dear","messages":[{"role":"user","content":"x"}]}"#
        let request = try ChatCompletionRequest(body: ByteBuffer(string: text))
        let sent = String(buffer: try request.encoded())
        #expect(sent != text)
        #expect(try JSONParser.parse(ByteBuffer(string: sent))["model"] == .string(request.model))
        #expect(try JSONParser.parseNotingDuplicates(Array(#"{"a":{"b":1,"b":2}}"#.utf8)).duplicateKeys)
        #expect(try !JSONParser.parseNotingDuplicates(Array(#"{"a":{"b":1},"b":2}"#.utf8)).duplicateKeys)
    }
}
