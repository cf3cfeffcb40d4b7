import Testing
@testable import OpenAIWire

@Suite struct UsageTests {
    @Test func readsOpenAIUsageWithDetails() throws {
        let json: JSONValue = [
            "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "prompt_tokens_details": ["cached_tokens": 1024, "audio_tokens": 0],
            "completion_tokens_details": ["reasoning_tokens": 128],
        ]
        let usage = try #require(Usage(json: json))
        #expect(usage == Usage(promptTokens: 1200, completionTokens: 300, cachedTokens: 1024, reasoningTokens: 128))
    }

    @Test func readsMinimalUsage() throws {
        #expect(Usage(json: ["prompt_tokens": 5, "total_tokens": 5]) == Usage(promptTokens: 5, completionTokens: 0))
        #expect(Usage(json: .null) == nil)
        #expect(Usage(json: ["completion_tokens": 5]) == nil)
    }

    @Test func writesTheSameShapeItReads() throws {
        let usage = Usage(promptTokens: 10, completionTokens: 4, cachedTokens: 3, cacheWriteTokens: 2, reasoningTokens: 1)
        #expect(Usage(json: usage.json) == usage)
        #expect(usage.json["total_tokens"] == 14)
    }
}
