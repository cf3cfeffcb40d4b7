import Foundation
import Gateway
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAIWire
import Routing
import Testing
import TollgateTestSupport

/// Routing through the gateway: aliases and task routes, fallbacks across deployments and models,
/// breakers, weights, capability skips, and per-hop budgets, against deployments of the mock that
/// fail on purpose (each deployment's behaviour is its upstream model's name, see `MockBehaviour`).
@Suite struct RoutingGatewayTests {
    static let providers = """
          - name: east
            base_url: {mock}
            weight: 3
            models:
              - {name: r-primary, upstream: mock-error-500}
              - {name: r-limited, upstream: mock-error-429}
              - {name: r-bad, upstream: mock-error-400}
              - {name: r-hang, upstream: mock-hang}
              - {name: r-cut, upstream: mock-stream-cut}
              - {name: r-split, upstream: mock-ok}
              - {name: r-flaky, upstream: mock-recovers-after-2}
              - {name: r-pair, upstream: mock-error-500}
          - name: west
            base_url: {mock}
            weight: 1
            models:
              - {name: r-split, upstream: mock-ok}
              - {name: r-pair, upstream: mock-ok}
              - {name: r-backup, upstream: mock-ok}
              - {name: r-summary, upstream: mock-ok}
              - {name: r-ok, upstream: mock-ok}
              - {name: r-text-only, upstream: mock-ok}
              - {name: r-cheap, upstream: mock-error-500}
              - {name: r-pricey, upstream: mock-ok}
          - name: down
            base_url: http://127.0.0.1:1/v1
            models: [r-refused]
        """

    static let routing = """
        aliases:
          fast: r-ok
          smart: r-primary
          vectors: text-embedding-3-small
        routes:
          cheap_summary: [r-summary]
          vision: [r-text-only, r-ok]
          default: [fast]
        fallbacks:
          r-primary: [r-backup]
          r-limited: [r-backup]
          r-bad: [r-backup]
          r-hang: [r-backup]
          r-cut: [r-backup]
          r-refused: [r-backup]
          r-cheap: [r-pricey]
          r-flaky: [r-backup]
          claude-mock-error-529: [r-backup]
        router:
          max_attempts: 3
          deadline_seconds: 30
          cooldown_after_failures: 2
          cooldown_seconds: 30
        """

    static let user: JSONValue = [["role": "user", "content": "hello there"]]

    static func run(
        routing: String = Self.routing, configure: @Sendable @escaping (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        try await GatewayHarness.run(yaml: routing, extraProviders: providers, configure: configure, body)
    }

    static func header(_ response: TestResponse, _ name: String) -> String? {
        response.headers[HTTPField.Name(name)!]
    }

    @Test func autoTakesTheTasksRouteAndAliasesStandForTheirModel() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let summary = try await gateway.chat(key: key, ["model": "auto", "messages": Self.user], headers: [.init("x-tollgate-task")!: "cheap_summary"])
            #expect(summary.status == .ok)
            #expect(Self.header(summary, "x-tollgate-model") == "r-summary")
            #expect(Self.header(summary, "x-tollgate-provider") == "west")
            #expect(Self.header(summary, "x-tollgate-attempts") == "1")
            // No model at all: the default route, whose alias stands for r-ok.
            let fallbackRoute = try await gateway.chat(key: key, ["messages": Self.user, "metadata": ["task": "tagging"]])
            #expect(Self.header(fallbackRoute, "x-tollgate-model") == "r-ok")
            let alias = try await gateway.chat(key: key, ["model": "fast", "messages": Self.user])
            #expect(Self.header(alias, "x-tollgate-model") == "r-ok")
            let direct = try await gateway.chat(key: key, ["model": "r-ok", "messages": Self.user])
            #expect(direct.status == .ok)

            let rows = try await gateway.usageRows()
            #expect(rows.map(\.route) == ["cheap_summary", "default", "fast", "direct"])
            #expect(rows.map(\.requestedModel) == ["auto", "auto", "fast", "r-ok"])
            #expect(rows.map(\.servedModel) == ["r-summary", "r-ok", "r-ok", "r-ok"])

            let models = try await gateway.send(.get, "/v1/models", bearer: key)
            let ids = (try models.json()["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(Set(["auto", "fast", "smart", "r-ok"]).isSubset(of: Set(ids)))

            let report = try await gateway.admin(.get, "/admin/spend?from=2000-01-01&to=2100-01-01&group_by=route")
            let routes = (try report.json()["rows"]?.arrayValue ?? []).compactMap { $0["route"]?.stringValue }
            #expect(routes == ["cheap_summary", "default", "direct", "fast"])
        }
    }

    @Test func aFailedPrimaryFallsBackAndBothAttemptsAreRows() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for stream in [false, true] {
                let response = try await gateway.chat(key: key, ["model": "smart", "stream": .bool(stream), "messages": Self.user])
                #expect(response.status == .ok, "stream: \(stream)")
                #expect(Self.header(response, "x-tollgate-model") == "r-backup")
                #expect(Self.header(response, "x-tollgate-provider") == "west")
                #expect(Self.header(response, "x-tollgate-attempts") == "2")
                if stream { #expect(String(buffer: response.body).contains("[DONE]")) }
            }
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.attempt) == [1, 2, 1, 2])
            #expect(rows.map(\.status) == [500, 200, 500, 200])
            #expect(rows.map(\.servedModel) == ["r-primary", "r-backup", "r-primary", "r-backup"])
            #expect(rows.map(\.provider) == ["east", "west", "east", "west"])
            #expect(Set(rows.map(\.route)) == ["smart"])
            #expect(rows[0].requestID == rows[1].requestID)

            let report = try await gateway.admin(.get, "/admin/spend?from=2000-01-01&to=2100-01-01&group_by=provider,route")
            let lines = (try report.json()["rows"]?.arrayValue ?? []).map { ($0["provider"]?.stringValue ?? "", $0["requests"]?.intValue ?? 0) }
            #expect(lines.map(\.0) == ["east", "west"])
            #expect(lines.map(\.1) == [2, 2])
        }
    }

    @Test func aBreakerRestsAFailingDeploymentThenProbesItBackToHealth() async throws {
        let clock = Clock(Date(timeIntervalSince1970: 1_800_000_000))
        try await Self.run(configure: { $0.clock = { clock.now } }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            // Two failures in a row (cooldown_after_failures: 2) rest east/r-flaky; both fell back.
            for _ in 0..<2 {
                let response = try await gateway.chat(key: key, ["model": "r-flaky", "messages": Self.user])
                #expect(Self.header(response, "x-tollgate-model") == "r-backup")
            }
            var deployment = try await Self.deployment("east/r-flaky", on: gateway)
            #expect(deployment["state"] == "cooling_down")
            #expect(deployment["failures_in_a_row"] == 2)
            #expect(deployment["recent_errors"] == 2)
            // While it rests it is not tried: the request goes straight to the fallback.
            let resting = try await gateway.chat(key: key, ["model": "r-flaky", "messages": Self.user])
            #expect(Self.header(resting, "x-tollgate-attempts") == "1")
            #expect(Self.header(resting, "x-tollgate-model") == "r-backup")
            // The rest is over: one probe goes through; the upstream has recovered, so it closes.
            clock.now += 31
            deployment = try await Self.deployment("east/r-flaky", on: gateway)
            #expect(deployment["state"] == "probing")
            let probe = try await gateway.chat(key: key, ["model": "r-flaky", "messages": Self.user])
            #expect(Self.header(probe, "x-tollgate-model") == "r-flaky")
            deployment = try await Self.deployment("east/r-flaky", on: gateway)
            #expect(deployment["state"] == "healthy")
            #expect(deployment["recent_successes"] == 1)
        }
    }

    @Test func retryAfterRestsTheDeploymentAtLeastThatLong() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let first = try await gateway.chat(key: key, ["model": "r-limited", "messages": Self.user])
            #expect(Self.header(first, "x-tollgate-attempts") == "2")
            let deployment = try await Self.deployment("east/r-limited", on: gateway)
            #expect(deployment["state"] == "cooling_down")
            let before = gateway.mock.total
            let second = try await gateway.chat(key: key, ["model": "r-limited", "messages": Self.user])
            #expect(Self.header(second, "x-tollgate-model") == "r-backup")
            #expect(Self.header(second, "x-tollgate-attempts") == "1")
            #expect(gateway.mock.total == before + 1)
            // With no other way to serve it, the upstream's own wait is honoured: 429 with the
            // time left, and no call.
            let alone = try await gateway.chat(key: key, ["model": "east/r-limited", "messages": Self.user])
            #expect(alone.status == .tooManyRequests)
            #expect(try alone.errorBody()["code"] == "upstream_retry_after")
            #expect((1...7).contains(Int(alone.headers[.retryAfter] ?? "") ?? 0))
            #expect(gateway.mock.total == before + 1)
        }
    }

    @Test func anthropicsOverloadedFallsBack() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "claude-mock-error-529", "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-backup")
            #expect(try await gateway.usageRows().map(\.status) == [529, 200])
            // Its retry-after rests it.
            #expect(try await Self.deployment("mock-anthropic/claude-mock-error-529", on: gateway)["state"] == "cooling_down")
        }
    }

    @Test func theKeysAllowListAppliesToWhatIsServed() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["models": ["r-backup"]])
            // smart stands for r-primary, which the key may not use: its fallback serves, first try.
            let response = try await gateway.chat(key: key, ["model": "smart", "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-backup")
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            let refused = try await gateway.chat(key: key, ["model": "fast", "messages": Self.user])
            #expect(refused.status == .forbidden)
            #expect(try refused.errorBody()["code"] == "model_not_allowed")
        }
    }

    @Test func theCostPreviewFollowsTheRoute() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/cost/estimate", bearer: key,
                                                  body: #"{"model": "auto", "messages": [{"role": "user", "content": "hi"}]}"#,
                                                  headers: [.init("x-tollgate-task")!: "cheap_summary"])
            #expect(response.status == .ok)
            #expect(try response.json()["served_model"] == "r-summary")
            #expect(try response.json()["model"] == "auto")
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func theModelsNextDeploymentIsTriedBeforeTheNextModel() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            var retried = 0
            for _ in 0..<20 {
                let response = try await gateway.chat(key: key, ["model": "r-pair", "messages": Self.user])
                // east (weight 3) fails and is tried first most often; west serves the same model.
                #expect(response.status == .ok)
                #expect(Self.header(response, "x-tollgate-model") == "r-pair")
                #expect(Self.header(response, "x-tollgate-provider") == "west")
                if Self.header(response, "x-tollgate-attempts") == "2" { retried += 1 }
            }
            // Two failures in a row rest east: from then on west is tried first.
            #expect(retried == 2)
            #expect(try await Self.deployment("east/r-pair", on: gateway)["state"] == "cooling_down")
            let rows = try await gateway.usageRows()
            #expect(rows.filter { $0.provider == "east" }.map(\.status) == [500, 500])
            #expect(Set(rows.map(\.servedModel)) == ["r-pair"])
        }
    }

    @Test func embeddingsAreRoutedToo() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "vectors", "input": "one two"}"#)
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "text-embedding-3-small")
            #expect(Self.header(response, "x-tollgate-provider") == "openai")
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.route) == ["vectors"])
            #expect(rows.map(\.servedModel) == ["text-embedding-3-small"])
        }
    }

    @Test func theRequestsOwnErrorIsReturnedNotRetried() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "r-bad", "messages": Self.user])
            #expect(response.status == .badRequest)
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            #expect(gateway.mock.total == 1)
            #expect(try await gateway.usageRows().map(\.status) == [400])
        }
    }

    @Test func aStreamIsNotRetriedOnceItsBytesWereSent() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "r-cut", "stream": true, "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-cut")
            #expect(String(buffer: response.body).contains("upstream_bad_response"))
            let rows = try await gateway.usageRows()
            #expect(rows.count == 1)
            #expect(rows.first?.servedModel == "r-cut")
        }
    }

    @Test func aHangIsCutAtTheUpstreamTimeoutAndFallsBack() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "r-hang", "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-backup")
            #expect(try await gateway.usageRows().map(\.status) == [504, 200])
        }
    }

    @Test func theDeadlineBoundsEveryAttemptTogether() async throws {
        let routing = Self.routing.replacingOccurrences(of: "deadline_seconds: 30", with: "deadline_seconds: 0.3")
        try await Self.run(routing: routing, configure: { $0.upstreamTimeout = .seconds(5) }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "r-hang", "messages": Self.user])
            #expect(response.status == .gatewayTimeout)
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            #expect(try await gateway.usageRows().map(\.status) == [504])
            // The deadline cut the attempt, not the upstream's 5 s timeout: the row's own latency
            // says which timer fired, whatever the machine's load added around the call.
            let latencies = try await gateway.postgres.query("SELECT latency_ms FROM usage_events")
            for try await latency in latencies.decode(Int.self) { #expect(latency < 5_000) }
        }
    }

    @Test func aRefusedConnectionFallsBackWithoutARow() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "r-refused", "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-attempts") == "2")
            // The refused attempt never reached an upstream: nothing to bill, no row.
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.servedModel) == ["r-backup"])
            #expect(rows.map(\.attempt) == [2])
        }
    }

    @Test func maxAttemptsBoundsTheHops() async throws {
        let routing = Self.routing.replacingOccurrences(of: "max_attempts: 3", with: "max_attempts: 1")
        try await Self.run(routing: routing) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "smart", "messages": Self.user])
            #expect(response.status == .badGateway)
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            #expect(gateway.mock.total == 1)
        }
    }

    @Test func aModelThatCannotTakeTheRequestIsSkippedNotTried() async throws {
        try await Self.run { gateway in
            var entry: [String: JSONValue] = [
                "model": "r-text-only", "provider": "west", "input": "1", "output": "2", "effective_from": "2020-01-01",
            ]
            entry["supports_images"] = false
            #expect(try await gateway.admin(.post, "/admin/prices", .object(entry)).status == .created)
            let (_, key) = try await gateway.makeCaller()
            let image: JSONValue = [["role": "user", "content": [
                ["type": "text", "text": "what is this"], ["type": "image_url", "image_url": ["url": "https://example.com/cat.png"]],
            ]]]
            let response = try await gateway.chat(key: key, ["model": "auto", "messages": image], headers: [.init("x-tollgate-task")!: "vision"])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-ok")
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            #expect(gateway.mock.total == 1)
            // Asked for directly, the refusal says why.
            let direct = try await gateway.chat(key: key, ["model": "r-text-only", "messages": image])
            #expect(direct.status == .badRequest)
            #expect(try direct.errorBody()["code"] == "model_cannot_take_request")
            // Text still goes to it.
            let text = try await gateway.chat(key: key, ["model": "auto", "messages": Self.user], headers: [.init("x-tollgate-task")!: "vision"])
            #expect(Self.header(text, "x-tollgate-model") == "r-text-only")
        }
    }

    @Test func everyFallbackHopIsAdmittedAgainstTheBudget() async throws {
        try await Self.run { gateway in
            for (model, rate) in [("r-cheap", "1"), ("r-pricey", "1000")] {
                let posted = try await gateway.admin(.post, "/admin/prices", [
                    "model": .string(model), "provider": "west", "input": .string(rate), "output": .string(rate), "effective_from": "2020-01-01",
                ])
                #expect(posted.status == .created)
            }
            let team = try await gateway.createTeam(budget: "0.01")
            let (_, key) = try await gateway.createKey(team: team)
            // r-cheap fits the budget and fails; its fallback would need up to $0.1 and is refused.
            let response = try await gateway.chat(key: key, ["model": "r-cheap", "max_tokens": 100, "messages": Self.user])
            #expect(response.status == .tooManyRequests)
            #expect(try response.errorBody()["code"] == "insufficient_quota")
            #expect(Self.header(response, "x-tollgate-attempts") == "1")
            #expect(gateway.mock.total == 1)
            #expect(try await gateway.usageRows().map(\.servedModel) == ["r-cheap"])
        }
    }

    @Test func theSoftLimitDowngradeAppliesToTheCandidateTried() async throws {
        try await Self.run { gateway in
            for model in ["r-primary", "r-backup", "r-ok"] {
                let posted = try await gateway.admin(.post, "/admin/prices", [
                    "model": .string(model), "provider": "west", "input": "1", "output": "2", "effective_from": "2020-01-01",
                ])
                #expect(posted.status == .created)
            }
            let created = try await gateway.admin(.post, "/admin/teams", [
                "name": "frugal", "monthly_budget_usd": 1, "soft_budget_usd": 0, "downgrade": ["r-backup": "r-ok"],
            ])
            let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, key) = try await gateway.createKey(team: team)
            // r-primary fails; its fallback r-backup is past the soft limit and served as r-ok.
            let response = try await gateway.chat(key: key, ["model": "smart", "messages": Self.user])
            #expect(response.status == .ok)
            #expect(Self.header(response, "x-tollgate-model") == "r-ok")
            #expect(Self.header(response, "x-tollgate-downgraded-from") == "r-backup")
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.servedModel) == ["r-primary", "r-ok"])
            #expect(rows.last?.downgradedFrom == "r-backup")
        }
    }

    /// The gateway draws deployment order with the generator it is given: seeded, its choices are
    /// the seeded sequence's, request by request (the weights' shares are RoutingTests' `weightsShareTheFirstChoiceWithinFivePercent`).
    @Test func theWeightedDrawUsesTheInjectedGenerator() async throws {
        try await Self.run(configure: { $0.routingSeed = 7 }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            var served: [String] = []
            for _ in 0..<20 {
                let response = try await gateway.chat(key: key, ["model": "r-split", "max_tokens": 1, "messages": Self.user])
                served.append(Self.header(response, "x-tollgate-provider") ?? "?")
            }
            // r-split's deployments, as tollgate.yaml lists them: east (weight 3), west (weight 1).
            let random = RouteRandom(seed: 7)
            let expected = (0..<20).map { _ in
                var generator = random.next()
                return ["east", "west"][WeightedOrder.order(weights: [3, 1], using: &generator)[0]]
            }
            #expect(served == expected)
            #expect(Set(served) == ["east", "west"])
        }
    }

    @Test func aTeamsOwnRoutesOverrideTheConfiguration() async throws {
        try await Self.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            let patched = try await gateway.admin(.patch, "/admin/teams/\(team)", ["routes": ["cheap_summary": ["fast"]]])
            #expect(patched.status == .ok)
            #expect(try patched.json()["routes"] == ["cheap_summary": ["fast"]])
            // The key cache takes up to its TTL to see the change; the admin API clears it at once.
            let response = try await gateway.chat(key: key, ["model": "auto", "messages": Self.user], headers: [.init("x-tollgate-task")!: "cheap_summary"])
            #expect(Self.header(response, "x-tollgate-model") == "r-ok")
            let bad = try await gateway.admin(.patch, "/admin/teams/\(team)", ["routes": ["cheap_summary": []]])
            #expect(bad.status == .badRequest)
            #expect(try bad.errorBody()["param"] == "routes")
            let cleared = try await gateway.admin(.patch, "/admin/teams/\(team)", ["routes": nil])
            #expect(try cleared.json()["routes"] == .null)
        }
    }

    @Test func autoWithoutARouteIsA400() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "auto", "messages": Self.user])
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["code"] == "no_route")
            #expect(gateway.mock.total == 0)
        }
    }

    static func deployment(_ id: String, on gateway: GatewayHarness) async throws -> JSONValue {
        let list = try await gateway.admin(.get, "/admin/deployments")
        let found = (try list.json()["data"]?.arrayValue ?? []).first { $0["id"]?.stringValue == id }
        return try #require(found)
    }
}
