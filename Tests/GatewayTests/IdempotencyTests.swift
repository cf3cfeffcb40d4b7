import Foundation
import HTTPTypes
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

/// `Idempotency-Key`: executed and billed at most once per key and API key within 24 hours.
@Suite struct IdempotencyTests {
    static let user: JSONValue = [["role": "user", "content": "hello there"]]
    static let request: JSONValue = ["model": "priced-ok", "messages": user]

    static func key(_ value: String) -> HTTPFields {
        [HTTPField.Name("idempotency-key")!: value]
    }

    static let replay = HTTPField.Name("x-tollgate-idempotent-replay")!
    static let requestID = HTTPField.Name("x-tollgate-request-id")!

    @Test func aRepeatAfterCompletionGetsTheKeptAnswerAndIsBilledOnce() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let first = try await gateway.chat(key: key, Self.request, headers: Self.key("order-1"))
            #expect(first.status == .ok)
            #expect(first.headers[Self.replay] == nil)
            let again = try await gateway.chat(key: key, Self.request, headers: Self.key("order-1"))
            #expect(again.status == .ok)
            #expect(again.headers[Self.replay] == "true")
            #expect(again.headers[HTTPField.Name("x-tollgate-original-request-id")!] == first.headers[Self.requestID])
            #expect(again.headers[.contentType] == "application/json")
            for name in ["x-tollgate-model", "x-tollgate-provider", "x-tollgate-attempts"] {
                let field = HTTPField.Name(name)!
                #expect(again.headers[field] != nil && again.headers[field] == first.headers[field], "\(name)")
            }
            #expect(again.body == first.body)
            #expect(gateway.mock.total == 1)
            try await gateway.flushUsage()
            #expect(try await gateway.usageRows().count == 1)

            // Embeddings too; and the same key is another key's own.
            let embed = #"{"model": "text-embedding-3-small", "input": "hello"}"#
            let e1 = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: embed, headers: Self.key("order-1"))
            let e2 = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: embed, headers: Self.key("order-1"))
            // The chat's key on another path with another body is a reused key.
            #expect(e1.status == .unprocessableContent)
            #expect(try e1.errorBody()["code"] == "idempotency_key_reused")
            #expect(e2.status == .unprocessableContent)
            let e3 = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: embed, headers: Self.key("embed-1"))
            let e4 = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: embed, headers: Self.key("embed-1"))
            #expect(e3.status == .ok && e4.status == .ok && e4.headers[Self.replay] == "true" && e3.body == e4.body)
            let (_, other) = try await gateway.makeCaller()
            let theirs = try await gateway.chat(key: other, Self.request, headers: Self.key("order-1"))
            #expect(theirs.status == .ok && theirs.headers[Self.replay] == nil)
            try await gateway.flushUsage()
            #expect(try await gateway.usageRows().count == 3)
        }
    }

    @Test func concurrentDuplicatesExecuteOnce() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let slow: JSONValue = ["model": "priced-slow", "messages": Self.user]
            let responses = try await gateway.concurrentChats(key: key, body: slow, count: 6, headers: Self.key("burst"))
            let executed = responses.filter { $0.status == 200 && $0.headers["x-tollgate-idempotent-replay"] == nil }
            let replayed = responses.filter { $0.headers["x-tollgate-idempotent-replay"] == "true" }
            let busy = responses.filter { $0.status == 409 }
            #expect(executed.count == 1)
            #expect(executed.count + replayed.count + busy.count == 6)
            for response in busy {
                #expect(String(buffer: response.body).contains("\"code\":\"idempotency_in_progress\""))
            }
            for response in replayed { #expect(response.body == executed.first?.body) }
            #expect(gateway.mock.total == 1)
            try await gateway.flushUsage()
            #expect(try await gateway.usageRows().count == 1)
        }
    }

    @Test func aStreamIsInProgressWhileItRunsAndIsNotReplayed() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let stream: JSONValue = ["model": "priced-drip", "stream": true, "messages": Self.user]
            var text = ""
            let during = try await Capture<Int>.run { during in
                text = try await gateway.streamChat(key: key, body: stream, headers: Self.key("s-1")) {
                    let busy = try await gateway.chat(key: key, stream, headers: Self.key("s-1"))
                    #expect(try busy.errorBody()["code"] == "idempotency_in_progress")
                    during.set(busy.status.code)
                }
            }
            #expect(during == 409)
            #expect(text.contains("data: [DONE]"))
            try await gateway.flushUsage()
            let rows = try await gateway.usageRows()
            #expect(rows.count == 1)
            let after = try await gateway.chat(key: key, stream, headers: Self.key("s-1"))
            #expect(after.status == .conflict)
            #expect(try after.errorBody()["code"] == "idempotency_stream_replay")
            #expect(try after.errorBody()["message"]?.stringValue?.contains(rows[0].requestID) == true)
            #expect(gateway.mock.total == 1)
        }
    }

    @Test func theSameKeyWithAnotherBodyIsRefused() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let first = try await gateway.chat(key: key, Self.request, headers: Self.key("k"))
            #expect(first.status == .ok)
            let changed: JSONValue = ["model": "priced-ok", "messages": [["role": "user", "content": "something else"]]]
            let refused = try await gateway.chat(key: key, changed, headers: Self.key("k"))
            #expect(refused.status == .unprocessableContent)
            let error = try refused.errorBody()
            #expect(error["code"] == "idempotency_key_reused" && error["type"] == "invalid_request_error")
            #expect(error["message"]?.stringValue?.contains(first.headers[Self.requestID] ?? "?") == true)
            #expect(gateway.mock.total == 1)
        }
    }

    @Test func aMalformedKeyIsA400() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for bad in [String(repeating: "k", count: 256), "two words", "caf\u{e9}"] {
                let response = try await gateway.chat(key: key, Self.request, headers: Self.key(bad))
                #expect(response.status == .badRequest)
                #expect(try response.errorBody()["code"] == "invalid_idempotency_key")
            }
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.key(String(repeating: "k", count: 255))).status == .ok)
            #expect(gateway.mock.total == 1)
        }
    }

    @Test func aRequestThatGotNoAnswerGivesItsKeyUp() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let failing: JSONValue = ["model": "priced-error-500", "messages": Self.user]
            let first = try await gateway.chat(key: key, failing, headers: Self.key("retry-me"))
            #expect(first.status == .badGateway)
            // The retry executes again (no 409, no kept error).
            let second = try await gateway.chat(key: key, failing, headers: Self.key("retry-me"))
            #expect(second.status == .badGateway)
            #expect(second.headers[Self.replay] == nil)
            #expect(gateway.mock.total >= 2)
        }
    }

    @Test func aKeyExpiresAfter24Hours() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-07T10:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.key("daily")).status == .ok)
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-08T09:59:00Z")
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.key("daily")).headers[Self.replay] == "true")
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-08T10:00:01Z")
            let fresh = try await gateway.chat(key: key, Self.request, headers: Self.key("daily"))
            #expect(fresh.status == .ok && fresh.headers[Self.replay] == nil)
            #expect(gateway.mock.total == 2)
            try await gateway.flushUsage()
            #expect(try await gateway.usageRows().count == 2)
        }
    }

    @Test func replicasShareTheKeys() async throws {
        try await GatewayHarness.runReplicas(count: 2) { replicas in
            let (a, b) = (replicas[0], replicas[1])
            let (_, key) = try await a.makeCaller()
            let first = try await a.chat(key: key, Self.request, headers: Self.key("shared"))
            let again = try await b.chat(key: key, Self.request, headers: Self.key("shared"))
            #expect(first.status == .ok && again.headers[Self.replay] == "true" && again.body == first.body)

            // A stream running on A is in progress on B.
            let stream: JSONValue = ["model": "priced-drip", "stream": true, "messages": Self.user]
            let during = try await Capture<Int>.run { during in
                _ = try await a.streamChat(key: key, body: stream, headers: Self.key("shared-stream")) {
                    during.set(try await b.chat(key: key, stream, headers: Self.key("shared-stream")).status.code)
                }
            }
            #expect(during == 409)
            try await a.flushUsage()
            #expect(try await a.usageRows().count == 2)
        }
    }
}
