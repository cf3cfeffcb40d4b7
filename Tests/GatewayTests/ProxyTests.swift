import Foundation
import HTTPTypes
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

@Suite struct ProxyTests {
    static let hello: JSONValue = [
        "model": "gpt-4o",
        "messages": [["role": "system", "content": "be brief please"], ["role": "user", "content": "hello there"]],
    ]

    @Test func aChatCompletionIsForwardedPricedAndMetered() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, Self.hello)
            #expect(response.status == .ok)
            let requestID = try #require(response.headers[HTTPField.Name("x-tollgate-request-id")!])
            #expect(requestID.hasPrefix("req_"))
            #expect(response.headers[HTTPField.Name("x-tollgate-model")!] == "gpt-4o")
            let body = try response.json()
            #expect(body["choices"]?[0]?["message"]?["content"] == "tok1 tok2 tok3 tok4 tok5 tok6 tok7 tok8 tok9 tok10 tok11 tok12")
            // Mock: prompt 7 tokens of which 3 cached (the system words), 12 output.
            // gpt-4o: (4 × 2.50 + 3 × 1.25 + 12 × 10.00) / 1M = 0.00013375
            #expect(body["usage"]?["prompt_tokens"] == 7)
            #expect(body["usage"]?["cost"] == .number(0.00013375))
            #expect(String(buffer: response.body).contains("\"cost\":0.00013375"))
            #expect(gateway.mock.lastBody?["model"] == "gpt-4o")

            let rows = try await gateway.usageRows()
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.requestID == requestID)
            #expect(row.teamID == team)
            #expect(row.task == "default")
            #expect(row.servedModel == "gpt-4o" && row.requestedModel == "gpt-4o" && row.provider == "openai")
            #expect((row.uncachedInput, row.cacheRead, row.output) == (4, 3, 12))
            #expect(row.cost == "0.000133750000")
            #expect(row.status == 200 && !row.streamed && !row.estimated)
        }
    }

    @Test func aStreamWithoutIncludeUsageHidesTheUsageChunkButIsStillBilled() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": "gpt-4o-mini", "stream": true, "max_tokens": 3,
                "messages": [["role": "user", "content": "hello there"]],
            ])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = try Self.events(response.body)
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().map { try? WireCoding.decode(JSONValue.self, from: ByteBuffer(string: $0)) }
            #expect(chunks.count == 5)  // role, three words, finish
            for chunk in chunks {
                // Every chunk a client sees has choices[0]: the upstream's usage chunk was removed.
                #expect(chunk?["choices"]?[0] != nil)
                #expect(chunk?["usage"] == nil || chunk?["usage"] == .null)
            }
            // Tollgate asked the upstream for usage all the same.
            #expect(gateway.mock.lastBody?["stream_options"]?["include_usage"] == true)

            let row = try #require(try await gateway.usageRows().first)
            // (3 × 0.15 + 3 × 0.60) / 1M
            #expect((row.uncachedInput, row.output) == (3, 3))
            #expect(row.cost == "0.000002250000")
            #expect(row.streamed && !row.estimated)
        }
    }

    @Test func aStreamWithIncludeUsageEndsWithThePricedUsage() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": "gpt-4o-mini", "stream": true, "max_tokens": 3, "stream_options": ["include_usage": true],
                "messages": [["role": "user", "content": "hello there"]],
            ])
            let events = try Self.events(response.body)
            #expect(events.last == "[DONE]")
            let usageChunk = try WireCoding.decode(JSONValue.self, from: ByteBuffer(string: events[events.count - 2]))
            #expect(usageChunk["choices"] == [])
            #expect(usageChunk["usage"]?["completion_tokens"] == 3)
            #expect(events[events.count - 2].contains("\"cost\":0.00000225"))
        }
    }

    @Test func theTaskComesFromTheHeaderOrMetadataAndIsNotForwarded() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            var body = Self.hello.objectValue ?? [:]
            body["metadata"] = ["task": "summarise", "user": "u1"]
            #expect(try await gateway.chat(key: key, .object(body)).status == .ok)
            #expect(gateway.mock.lastBody?["metadata"] == ["user": "u1"])
            #expect(try await gateway.chat(key: key, .object(body), headers: [HTTPField.Name("x-tollgate-task")!: "triage"]).status == .ok)
            #expect(try await gateway.chat(key: key, Self.hello).status == .ok)
            let tasks = try await gateway.usageRows().map(\.task)
            #expect(tasks.sorted() == ["default", "summarise", "triage"])
        }
    }

    @Test func embeddingsAreForwardedAndMetered() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key,
                                                  body: #"{"model": "text-embedding-3-small", "input": ["a b c", "d"]}"#)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["data"]?.arrayValue?.count == 2)
            #expect(body["usage"]?["prompt_tokens"] == 4)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.uncachedInput == 4 && row.output == 0)
            #expect(row.cost == "0.000000080000")  // 4 × 0.02 / 1M
        }
    }

    @Test func modelsListsOnlyWhatTheKeyMayUse() async throws {
        try await GatewayHarness.run { gateway in
            let (_, open) = try await gateway.makeCaller()
            let (_, narrow) = try await gateway.makeCaller(extra: ["models": ["gpt-4o", "qwen-plus"]])
            let all = try await gateway.send(.get, "/v1/models", bearer: open).json()
            let ids = Set((all["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
            #expect(ids.isSuperset(of: ["gpt-4o", "gpt-4o-mini", "qwen-plus", "mock-ok"]))
            #expect(ids.isSuperset(of: ["claude-sonnet-4", "claude-3-5-haiku", "gemini-2.5-flash", "gemini-2.5-pro"]))
            let some = try await gateway.send(.get, "/v1/models", bearer: narrow).json()
            let narrowIDs = (some["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(narrowIDs == ["gpt-4o", "qwen-plus"])
            #expect(some["data"]?[0]?["owned_by"] == "openai")
        }
    }

    @Test func qwenIsServedByTheDashScopeProvider() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "qwen-plus", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .ok)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "qwen")
            #expect(row.cost == "0.000015200000")  // (2 × 0.40 + 12 × 1.20) / 1M
        }
    }

    @Test func anUnpricedModelIsMeteredWithANullCostNeverZero() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "mock-ok", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .ok)
            #expect(try response.json()["usage"]?["cost"] == .null)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.cost == nil)
            #expect(row.output == 12)
            let report = try await gateway.admin(.get, "/admin/spend?team_id=\(team)").json()
            #expect(report["totals"]?["unpriced_requests"] == 1)
            #expect(report["totals"]?["requests"] == 1)
        }
    }

    @Test func reasoningTokensAreRecorded() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "o3", "max_completion_tokens": 10, "messages": [["role": "user", "content": "think"]]])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.output, row.reasoning) == (10, 5))
            #expect(row.cost == "0.000084000000")  // (2 × 2.00 + 10 × 8.00) / 1M
        }
    }

    @Test func usageRecordedBeforeShutdownIsFlushedOnShutdown() async throws {
        let database = try await Capture<PostgresNIOConfiguration>.run { capture in
            try await GatewayHarness.run { gateway in
                let (_, key) = try await gateway.makeCaller()
                for _ in 0..<5 { _ = try await gateway.chat(key: key, Self.hello) }
                capture.set(gateway.database)
            }
        }
        let rows = try await TestPostgres.withClient(database) { try await GatewayHarness.usageRows($0) }
        #expect(rows.count == 5)
    }

    /// The `data:` payloads of an SSE body.
    static func events(_ body: ByteBuffer) throws -> [String] {
        var parser = SSEParser()
        var events = try parser.feed(body)
        if let last = parser.finish() { events.append(last) }
        return events.map(\.data)
    }
}
