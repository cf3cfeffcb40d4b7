import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport

/// The attempt pipeline through the gateway: settlement pinned to what admitted a call, every exit
/// booked once, health from every attempt, resting that never becomes refusing, and the preview
/// as the pipeline run dry. Each test here failed before the pipeline (issue 21's findings).
@Suite struct AttemptPipelineTests {
    static let providers = """
          - name: solo
            base_url: {mock}
            models:
              - {name: p-sole, upstream: mock-recovers-after-3}
              - {name: p-cutter, upstream: mock-stream-cut}
              - {name: p-limited, upstream: mock-error-429}
          - name: cheap-side
            base_url: {mock}
            price_multiplier: "0.5"
            models: [{name: gpt-6-luna, upstream: mock-ok}]
          - name: dear-side
            base_url: {mock}
            price_multiplier: "1.5"
            models: [{name: gpt-6-luna, upstream: mock-ok}]
          - name: slowpoke
            base_url: {mock}
            models: [{name: gpt-6-sol, upstream: mock-slow}]
        """

    static let routing = """
        router:
          max_attempts: 3
          deadline_seconds: 30
          cooldown_after_failures: 3
          cooldown_seconds: 30
        """

    static let user: JSONValue = [["role": "user", "content": "hello there"]]

    static func run(_ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
        try await GatewayHarness.run(yaml: routing, extraProviders: providers, body)
    }

    static func deployment(_ id: String, on gateway: GatewayHarness) async throws -> JSONValue {
        let list = try await gateway.admin(.get, "/admin/deployments").json()
        return try #require(list["data"]?.arrayValue?.first { $0["id"] == .string(id) }, "\(id) is not on the board")
    }

    /// Finding 1: a reload that changes the provider's multiplier while a stream runs does not
    /// change that call's bill.
    @Test func aReloadMidStreamLeavesTheCallAtTheMultiplierThatAdmittedIt() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let body: JSONValue = ["model": "mock-discount/priced-drip", "stream": true, "messages": Self.user]
            let text = try await gateway.streamChat(key: key, body: body) {
                let yaml = try String(contentsOfFile: gateway.configFile, encoding: .utf8)
                try yaml.replacingOccurrences(of: #"price_multiplier: "0.85""#, with: #"price_multiplier: "0.5""#)
                    .write(toFile: gateway.configFile, atomically: true, encoding: .utf8)
                #expect(gateway.reloadConfiguration())
            }
            #expect(text.contains("[DONE]"))
            let row = try #require(try await gateway.usageRows().first)
            // 3 prompt tokens × $1 + 12 output × $2 = 27 per 1M, × 0.85 (not × 0.5).
            #expect(row.status == 200 && row.cost == "0.000022950000")
            // The next call is billed at the new multiplier.
            #expect(try await gateway.chat(key: key, ["model": "mock-discount/priced-ok", "messages": Self.user]).status == .ok)
            #expect(try await gateway.usageRows().map(\.cost).contains("0.000013500000"))
        }
    }

    /// Finding 2: a client that resets its connection before the first byte, while the upstream
    /// is slow, leaves one row, status 499, streamed or not.
    @Test(arguments: [true, false])
    func aClientThatResetsBeforeTheAnswerLeavesA499Row(streamed: Bool) async throws {
        // The upstream's 2 s are within the upstream timeout.
        try await GatewayHarness.run(yaml: Self.routing, extraProviders: Self.providers, configure: { $0.upstreamTimeout = .seconds(10) }) { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["monthly_budget_usd": 10])
            // An upstream that takes 2 s: the gateway has seen the reset before it writes the answer,
            // however loaded the machine. (Writes are buffered: an answer written before the gateway
            // has read the reset is accepted, and booked as delivered.)
            try await gateway.resetBeforeAnswer(key: key, body: ["model": "priced-linger", "stream": .bool(streamed), "messages": Self.user])
            let rows = try await gateway.waitForUsageRows(count: 1)
            #expect(rows.count == 1)
            #expect(rows.first?.status == 499 && rows.first?.streamed == streamed && rows.first?.estimated == true, "\(String(describing: rows.first))")
            // The reservation was settled, not left behind.
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["key"]?["reserved_usd"] == .integer(0))
            #expect(rows.first?.cost != nil)
        }
    }

    /// Finding 3: a deployment that cuts every stream after its first event is rested after
    /// `cooldown_after_failures` cuts.
    @Test func aDeploymentThatCutsEveryStreamIsRested() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for _ in 0..<3 {
                let response = try await gateway.chat(key: key, ["model": "p-cutter", "stream": true, "messages": Self.user])
                #expect(response.status == .ok)  // committed at the first event: the cut is reported in the stream
            }
            _ = try await gateway.waitForUsageRows(count: 3)
            let state = try await Self.deployment("solo/p-cutter", on: gateway)
            #expect(state["state"] == "cooling_down")
            #expect(state["recent_errors"] == 3 && state["recent_successes"] == 0)
            #expect(try await gateway.usageRows().allSatisfy { $0.status == 502 && $0.estimated })
        }
    }

    /// Finding 4: a sole deployment that failed three times rests, but is still tried (as the
    /// probe) while it has no alternative, and serves once its upstream recovers.
    @Test func aSoleDeploymentIsTriedAndServesWhenItsUpstreamRecovers() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for _ in 0..<3 {
                #expect(try await gateway.chat(key: key, ["model": "p-sole", "messages": Self.user]).status == .badGateway)
            }
            #expect(try await Self.deployment("solo/p-sole", on: gateway)["state"] == "cooling_down")
            let before = gateway.mock.total
            let served = try await gateway.chat(key: key, ["model": "p-sole", "messages": Self.user])
            #expect(served.status == .ok)
            #expect(gateway.mock.total == before + 1)
            #expect(try await Self.deployment("solo/p-sole", on: gateway)["state"] == "healthy")
        }
    }

    /// An upstream's own `retry-after` is honoured: with no other deployment, the next request is
    /// answered 429 locally with the time left, and the upstream is not called.
    @Test func aSoleDeploymentsRetryAfterIsAnsweredLocally() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let first = try await gateway.chat(key: key, ["model": "p-limited", "messages": Self.user])
            #expect(first.status == .tooManyRequests)
            #expect(first.headers[.retryAfter] == "7")  // the mock's
            let before = gateway.mock.total
            let local = try await gateway.chat(key: key, ["model": "p-limited", "messages": Self.user])
            #expect(local.status == .tooManyRequests)
            #expect(try local.errorBody()["code"] == "upstream_retry_after")
            #expect((1...7).contains(Int(local.headers[.retryAfter] ?? "") ?? 0))
            #expect(gateway.mock.total == before)
        }
    }

    /// Finding 5: two weighted deployments at different multipliers: the preview names both and
    /// reserves as the dearer one.
    @Test func thePreviewReservesAsTheDearestDeploymentItMayDraw() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let preview = try await gateway.send(
                .post, "/v1/cost/estimate", bearer: key,
                body: #"{"model": "gpt-6-luna", "max_tokens": 100, "messages": [{"role": "user", "content": "hello there"}]}"#)
            #expect(preview.status == .ok)
            let json = try preview.json()
            #expect(Set(json["deployments"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["cheap-side/gpt-6-luna", "dear-side/gpt-6-luna"])
            let bound = try #require(json["input_tokens_bound"]?.intValue)
            // gpt-6-luna: $0.10 input, $0.50 output per 1M; the dearer deployment's multiplier is 1.5.
            let expected = (Decimal(bound) * Decimal(string: "0.10")! + 100 * Decimal(string: "0.50")!) / 1_000_000 * Decimal(string: "1.5")!
            #expect(CostEstimateTests.number("estimate_usd", in: String(buffer: preview.body)) == expected)
        }
    }
}
