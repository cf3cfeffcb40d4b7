import Foundation
import HTTPTypes
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

/// Upstreams that fail, hang, or send garbage: the caller gets a clear 4xx/5xx in the envelope,
/// the call is still metered where it reached the upstream, and nothing crashes.
@Suite struct UpstreamFailureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var model: String
        var status: HTTPResponse.Status
        var code: String?
        var retryAfter: String?
        var rowStatus: Int
        var testDescription: String { model }
    }

    static let cases: [Case] = [
        Case(model: "mock-error-500", status: .badGateway, rowStatus: 500),
        Case(model: "mock-error-429", status: .tooManyRequests, retryAfter: "7", rowStatus: 429),
        Case(model: "mock-error-400", status: .badRequest, rowStatus: 400),
        Case(model: "mock-error-401", status: .badGateway, rowStatus: 401),
        Case(model: "mock-hang", status: .gatewayTimeout, code: "upstream_timeout", rowStatus: 504),
        Case(model: "mock-invalid-json", status: .badGateway, code: "upstream_bad_response", rowStatus: 502),
    ]

    @Test(arguments: cases)
    func upstreamFailuresMapToTheEnvelope(testCase: Case) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for stream in [false, true] {
                // A deployment of its own for the stream: a 429's retry-after rests the first.
                let model = stream ? "mock/\(testCase.model)-stream" : testCase.model
                let response = try await gateway.chat(key: key, [
                    "model": .string(model), "stream": .bool(stream), "messages": [["role": "user", "content": "hi"]],
                ])
                #expect(response.status == testCase.status, "stream: \(stream)")
                if let code = testCase.code {
                    #expect(try response.errorBody()["code"]?.stringValue == code)
                }
                #expect(response.headers[.retryAfter] == testCase.retryAfter)
                if response.status != .ok {
                    #expect(try response.errorBody()["message"]?.stringValue?.isEmpty == false)
                }
            }
            let rows = try await gateway.usageRows()
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.status == testCase.rowStatus && $0.cost == nil })
            // An error status means the provider did not run the call; a timeout or garbage after
            // sending may still be billed, so it is metered at the admission bound (no max_tokens,
            // no known cap: 4,096 output tokens).
            let estimated = testCase.code != nil
            #expect(rows.allSatisfy { $0.estimated == estimated && $0.output == (estimated ? 4096 : 0) })
        }
    }

    @Test func anUnreachableUpstreamIsABadGatewayAndNotMetered() async throws {
        try await GatewayHarness.run(configure: { $0.environment["OPENAI_BASE_URL"] = "http://127.0.0.1:1/v1" }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .badGateway)
            #expect(try response.errorBody()["code"] == "upstream_unreachable")
            #expect(try response.errorBody()["message"]?.stringValue?.contains("sk-mock") == false)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func aStreamCutShortIsMeteredFromAnEstimate() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": "mock-stream-cut", "stream": true, "messages": [["role": "user", "content": "hello there friend"]],
            ])
            #expect(response.status == .ok)
            #expect(!String(buffer: response.body).contains("[DONE]"))
            #expect(String(buffer: response.body).contains("upstream_bad_response"))
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.status == 502)
            #expect(row.estimated)
            #expect(row.streamed)
            // Cut before its usage: the provider may bill what it generated past the cut, so the
            // row takes the admission bound — 18 prompt bytes + 16 for the message, and 4,096
            // output tokens for a model with no known cap.
            #expect(row.output == 4096)
            #expect(row.uncachedInput == 34)
        }
    }

    @Test func aClientHangingUpMidStreamIsMeteredFromWhatWasStreamed() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            try await gateway.hangUpAfterFirstChunk(key: key, body: [
                "model": "mock-drip", "stream": true, "messages": [["role": "user", "content": "hello there friend"]],
            ])
            let row = try #require(try await gateway.waitForUsageRows(count: 1).first)
            #expect(row.status == 499)
            #expect(row.streamed && row.estimated)
            #expect(row.output < 12)  // the answer was not streamed to its end
            #expect(row.uncachedInput == 34)  // no usage yet from an OpenAI stream: the prompt's bound
        }
    }

    @Test func aFailedRequestReleasesItsBudgetReservation() async throws {
        try await GatewayHarness.run(configure: { $0.environment["OPENAI_BASE_URL"] = "http://127.0.0.1:1/v1" }) { gateway in
            let team = try await gateway.createTeam("reserved", budget: 1)
            let (_, key) = try await gateway.createKey(team: team)
            let response = try await gateway.chat(key: key, ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .badGateway)
            let stream = try await gateway.chat(key: key, ["model": "gpt-4o", "stream": true, "messages": [["role": "user", "content": "hi"]]])
            #expect(stream.status == .badGateway)
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["team"]?["reserved_usd"] == 0)
            #expect(budget["team"]?["spent_usd"] == 0)
        }
    }

    @Test func anUpstreamWithoutUsageIsMeteredFromAnEstimate() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "mock-no-usage", "max_tokens": 4, "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .ok)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.estimated)
            #expect(row.output == 5)  // "tok1 tok2 tok3 tok4": 19 bytes at four a token, rounded up
        }
    }
}
