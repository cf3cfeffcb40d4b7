import OpenAIWire
import Testing
@testable import Providers

/// What OpenAI's schema requires of a chat completion's choices is filled in where an upstream
/// left it out, and only there: an answer that has it all is left alone (nil), so its bytes can
/// go on as they came.
@Suite struct OpenAIChatFillTests {
    @Test func anAnswerWithEverythingNeedsNothing() {
        let body: [String: JSONValue] = [
            "choices": [["index": 0, "logprobs": .null, "finish_reason": "stop",
                         "message": ["role": "assistant", "content": "hi", "refusal": .null]]],
        ]
        #expect(OpenAIChat.filledIn(body) == nil)
        #expect(OpenAIChat.filledIn(["object": "chat.completion"]) == nil)
    }

    @Test func whatIsMissingIsFilledInAndTheRestKept() throws {
        let body: [String: JSONValue] = [
            "id": "x",
            "choices": [
                ["index": 0, "logprobs": .null, "message": ["role": "assistant", "content": "whole", "refusal": .null]],
                ["finish_reason": "stop", "message": ["content": "sparse"]],
            ],
        ]
        let filled = try #require(OpenAIChat.filledIn(body))
        #expect(filled["id"] == "x")
        let choices = try #require(filled["choices"]?.arrayValue)
        #expect(choices[0] == body["choices"]?.arrayValue?[0])
        #expect(choices[1] == [
            "index": 1, "logprobs": .null, "finish_reason": "stop",
            "message": ["role": "assistant", "content": "sparse", "refusal": .null],
        ])
    }
}
