import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import OpenAIWire
import Synchronization
import Testing
import TollgateTestSupport

@Suite struct BudgetTests {
    /// gpt-4o-mini with max_tokens 10 and "hello there": the mock counts 3 prompt and 10 output
    /// tokens, so each request costs (3 × 0.15 + 10 × 0.60) / 1M = 0.00000645 USD.
    static let request: JSONValue = ["model": "gpt-4o-mini", "max_tokens": 10, "messages": [["role": "user", "content": "hello there"]]]
    static let cost = Decimal(string: "0.00000645")!

    @Test func concurrentRequestsNeverSpendPastTheHardLimit() async throws {
        try await GatewayHarness.run { gateway in
            // A budget worth 20 requests; 200 arrive at once.
            let team = try await gateway.createTeam("tight", budget: .string("0.000129"))
            let (_, key) = try await gateway.createKey(team: team)
            let responses = try await gateway.concurrentChats(key: key, body: Self.request, count: 200)

            let ok = responses.filter { $0.status == 200 }
            let rejected = responses.filter { $0.status == 429 }
            #expect(ok.count + rejected.count == 200)
            // The reservation prices an upper bound (27 prompt tokens), so at least 12 fit; at most 20 can.
            #expect(ok.count >= 12 && ok.count <= 20, "\(ok.count) served")
            for response in rejected {
                let error = try WireCoding.decode(JSONValue.self, from: response.body)["error"]
                #expect(error?["type"] == "insufficient_quota")
                #expect(error?["code"] == "insufficient_quota")
                #expect(error?["message"]?.stringValue?.contains("Budget exceeded for team 'tight'") == true)
                #expect(error?["message"]?.stringValue?.contains("monthly limit $0.000129") == true)
                #expect(response.headers["x-should-retry"] == "false")
                #expect(Int(response.headers["retry-after"] ?? "") ?? 0 > 0)
            }
            let rows = try await gateway.usageRows()
            #expect(rows.count == ok.count)
            let spent = rows.compactMap { $0.cost.flatMap { Decimal(string: $0) } }.reduce(0, +)
            #expect(spent == Self.cost * Decimal(ok.count))
            #expect(spent <= Decimal(string: "0.000129")!)
            #expect(gateway.mock.byPath["/v1/chat/completions"] == ok.count)
        }
    }

    @Test func aNewPeriodStartsFromZeroWithoutAJob() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-11-30T23:59:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            // Room for one request (reserved at its upper estimate, 0.00001005) and not a second.
            let team = try await gateway.createTeam("monthly", budget: .string("0.000015"))
            let (_, key) = try await gateway.createKey(team: team)
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            try await gateway.flushUsage()
            let refused = try await gateway.chat(key: key, Self.request)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.contains("resets at 2026-12-01T00:00:00Z") == true)
            #expect(refused.headers[.retryAfter] == "60")

            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-01T00:00:30Z")
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            try await gateway.flushUsage()
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["team"]?["period_start"] == "2026-12-01T00:00:00Z")
            #expect(budget["team"]?["resets_at"] == "2027-01-01T00:00:00Z")
            #expect(budget["team"]?["spent_usd"] == .number(0.00000645))
            // November's spend is still there, in November's row.
            let november = try await gateway.admin(.get, "/admin/spend?from=2026-11-01&to=2026-12-01&team_id=\(team)").json()
            #expect(november["totals"]?["requests"] == 1)
        }
    }

    @Test func periodsFollowTheTeamsTimeZone() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-01T03:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            let created = try await gateway.admin(.post, "/admin/teams", ["name": "ny", "monthly_budget_usd": 5, "budget_timezone": "America/New_York"])
            #expect(created.status == .created)
            let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, key) = try await gateway.createKey(team: team)
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["timezone"] == "America/New_York")
            #expect(budget["team"]?["period_start"] == "2026-11-01T04:00:00Z")
            #expect(budget["team"]?["resets_at"] == "2026-12-01T05:00:00Z")
            #expect(try await gateway.admin(.patch, "/admin/teams/\(team)", ["budget_timezone": "Mars/Olympus"]).status == .badRequest)
        }
    }

    @Test func pastTheSoftLimitMappedModelsAreDowngraded() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.admin(.post, "/admin/teams", [
                "name": "frugal", "monthly_budget_usd": 1, "soft_budget_usd": 0, "downgrade": ["gpt-4o": "gpt-4o-mini"],
            ])
            #expect(created.status == .created)
            #expect(try created.json()["downgrade"] == ["gpt-4o": "gpt-4o-mini"])
            let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, key) = try await gateway.createKey(team: team)

            let response = try await gateway.chat(key: key, ["model": "gpt-4o", "messages": [["role": "user", "content": "hello there"]]])
            #expect(response.status == .ok)
            #expect(try response.json()["model"] == "gpt-4o-mini")
            #expect(response.headers[HTTPField.Name("x-tollgate-model")!] == "gpt-4o-mini")
            #expect(response.headers[HTTPField.Name("x-tollgate-downgraded-from")!] == "gpt-4o")
            #expect(gateway.mock.lastBody?["model"] == "gpt-4o-mini")
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.requestedModel == "gpt-4o" && row.servedModel == "gpt-4o-mini" && row.downgradedFrom == "gpt-4o")
            #expect(row.cost == "0.000007650000")  // priced as gpt-4o-mini: (3 × 0.15 + 12 × 0.60) / 1M

            // Unmapped models are served as asked.
            let mini = try await gateway.chat(key: key, ["model": "gpt-4.1", "messages": [["role": "user", "content": "hi"]]])
            #expect(mini.headers[HTTPField.Name("x-tollgate-downgraded-from")!] == nil)

            let unknown = try await gateway.admin(.patch, "/admin/teams/\(team)", ["downgrade": ["gpt-4o": "gpt-nano-9000"]])
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorBody()["param"] == "downgrade")
        }
    }

    @Test func aKeyLimitUnderTheTeamLimitBitesFirst() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("roomy", budget: 100)
            let (keyID, key) = try await gateway.createKey(team: team, name: "small", extra: ["monthly_budget_usd": .string("0.000015")])
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            let refused = try await gateway.chat(key: key, Self.request)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.hasPrefix("Budget exceeded for key 'small'") == true)

            // Raising the key's limit lets it spend again.
            let patched = try await gateway.admin(.patch, "/admin/keys/\(keyID)", ["monthly_budget_usd": 1])
            #expect(patched.status == .ok)
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
        }
    }

    @Test func theBudgetEndpointAndHeadersReportWhereABudgetStands() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("watched", budget: .string("0.001"))
            let (keyID, key) = try await gateway.createKey(team: team, name: "app", extra: ["monthly_budget_usd": .string("0.0005"), "soft_budget_usd": .string("0.0004")])
            let response = try await gateway.chat(key: key, Self.request)
            // The key's 0.0005 is the tighter limit: 0.0005 - 0.00000645.
            #expect(response.headers[HTTPField.Name("x-tollgate-budget-remaining")!] == "0.000494")
            try await gateway.flushUsage()
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key)
            #expect(budget.status == .ok)
            let json = try budget.json()
            #expect(json["key"]?["monthly_budget_usd"] == .number(0.0005))
            #expect(json["key"]?["soft_budget_usd"] == .number(0.0004))
            #expect(json["key"]?["spent_usd"] == .number(0.00000645))
            #expect(json["key"]?["reserved_usd"] == 0)
            #expect(String(buffer: budget.body).contains("\"remaining_usd\" : 0.00049355"))
            #expect(json["team"]?["name"] == "watched")
            #expect(String(buffer: budget.body).contains("\"remaining_usd\" : 0.00099355"))

            let teamView = try await gateway.admin(.get, "/admin/teams/\(team)").json()
            #expect(teamView["budget"]?["spent_usd"] == .number(0.00000645))
            let keyView = try await gateway.admin(.get, "/admin/keys/\(keyID)").json()
            #expect(keyView["budget"]?["scope"] == "key")
            #expect(keyView["budget"]?["spent_usd"] == .number(0.00000645))
        }
    }

    @Test func anUnpricedModelIsRefusedForABudgetedTeam() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("budgeted", budget: 10)
            let (_, key) = try await gateway.createKey(team: team)
            let response = try await gateway.chat(key: key, ["model": "mock-ok", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .tooManyRequests)
            #expect(try response.errorBody()["code"] == "insufficient_quota")
            #expect(try response.errorBody()["message"]?.stringValue?.contains("has no price") == true)
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func rateLimitsPerKey() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            let (_, key) = try await gateway.createKey(team: team, extra: ["rpm_limit": 2])
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            let limited = try await gateway.chat(key: key, Self.request)
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.errorBody()["code"] == "rate_limit_exceeded")
            #expect(try limited.errorBody()["type"] == "requests")
            let retryAfter = try #require(Int(limited.headers[.retryAfter] ?? ""))
            #expect(retryAfter > 0 && retryAfter <= 30)

            let (_, tokenKey) = try await gateway.createKey(team: team, name: "tokens", extra: ["tpm_limit": 20])
            #expect(try await gateway.chat(key: tokenKey, Self.request).status == .ok)  // estimate 3 + 10 tokens
            let tokenLimited = try await gateway.chat(key: tokenKey, Self.request)
            #expect(tokenLimited.status == .tooManyRequests)
            #expect(try tokenLimited.errorBody()["type"] == "tokens")
            #expect(gateway.mock.total == 3)
        }
    }

    @Test func eachThresholdAlertsOncePerPeriod() async throws {
        try await GatewayHarness.run(configure: { $0.alertRetryInterval = .milliseconds(200) }) { gateway in
            let webhook = gateway.mock.webhookURL(base: gateway.mockBaseURL)
            let created = try await gateway.admin(.post, "/admin/teams", [
                "name": "alerted", "monthly_budget_usd": .string("0.0000645"), "alert_webhook_url": .string(webhook),
            ])
            let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, key) = try await gateway.createKey(team: team)
            // Ten requests fit exactly; keep going until refused, then a few more.
            var served = 0
            for _ in 0..<14 {
                if try await gateway.chat(key: key, Self.request).status == .ok { served += 1 }
                try await gateway.flushUsage()
            }
            #expect(served >= 6)
            let alerts = try await gateway.waitForWebhooks(count: 3)
            #expect(alerts.compactMap { $0["threshold_percent"]?.intValue }.sorted() == [50, 80, 100])
            #expect(alerts.allSatisfy { $0["scope"] == "team" && $0["scope_name"] == "alerted" && $0["type"] == "budget.threshold_reached" })
            // More spend in the same period sends nothing more: an alert it queued would reach
            // the webhook before a later team's.
            _ = try await gateway.chat(key: key, Self.request)
            try await gateway.flushUsage()
            try await Self.alertBarrier(gateway)
            #expect(gateway.mock.webhooks.filter { $0["scope_name"] == "alerted" }.count == 3)
            let delivered = try await gateway.postgres.query("SELECT count(*)::int8 FROM budget_alerts WHERE delivered_at IS NOT NULL AND team_id = \(team)")
            for try await count in delivered.decode(Int.self) { #expect(count == 3) }
        }
    }
}

extension BudgetTests {
    /// Waits until an alert queued now has reached the webhook: alerts are delivered one at a time
    /// in the order they were queued, so any alert queued before this returns has been posted.
    /// Proves absence by order, not by sleeping. (A team with a budget of 0 is used up: its
    /// refused request queues the 100 % alert.)
    static func alertBarrier(_ gateway: GatewayHarness) async throws {
        let name = "barrier-\(UUID().uuidString.prefix(8))"
        let created = try await gateway.admin(.post, "/admin/teams", [
            "name": .string(name), "monthly_budget_usd": 0,
            "alert_webhook_url": .string(gateway.mock.webhookURL(base: gateway.mockBaseURL)),
        ])
        let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        let (_, key) = try await gateway.createKey(team: team)
        #expect(try await gateway.chat(key: key, ["model": "gpt-4o-mini", "max_tokens": 1, "messages": [["role": "user", "content": "hi"]]]).status == .tooManyRequests)
        try await gateway.waitForMock("the barrier alert") { stats in stats.webhooks.contains { $0["scope_name"] == .string(name) } }
    }

    /// A request refused only because it is too large for the room left (a huge `max_tokens`)
    /// does not tell the team its budget is used up.
    @Test func anOversizedRequestDoesNotClaimTheFullAlert() async throws {
        try await GatewayHarness.run(configure: { $0.alertRetryInterval = .milliseconds(100) }) { gateway in
            let webhook = gateway.mock.webhookURL(base: gateway.mockBaseURL)
            let created = try await gateway.admin(.post, "/admin/teams", [
                "name": "roomy", "monthly_budget_usd": .string("0.1"), "alert_webhook_url": .string(webhook),
            ])
            let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, key) = try await gateway.createKey(team: team)
            // 16,384 output tokens of gpt-4o are $0.16: more than the whole budget.
            let refused = try await gateway.chat(key: key, ["model": "gpt-4o", "max_tokens": 16384, "messages": [["role": "user", "content": "hi"]]])
            #expect(refused.status == .tooManyRequests)
            try await Self.alertBarrier(gateway)
            #expect(gateway.mock.webhooks.allSatisfy { $0["scope_name"] != "roomy" })
            let claimed = try await gateway.postgres.query("SELECT count(*)::int8 FROM budget_alerts WHERE team_id = \(team)")
            for try await count in claimed.decode(Int.self) { #expect(count == 0) }
        }
    }
}

extension BudgetTests {
    /// Moving a team to another time zone mid-month must not hand it a fresh budget: the spend so
    /// far counts in the new zone's period, and moving back counts nothing twice.
    @Test func changingTheTimeZoneDoesNotResetTheSpend() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("zoned", budget: 1)
            let (keyID, key) = try await gateway.createKey(team: team)
            for _ in 0..<2 { #expect(try await gateway.chat(key: key, Self.request).status == .ok) }
            try await gateway.flushUsage()

            let moved = try await gateway.admin(.patch, "/admin/teams/\(team)", ["budget_timezone": "America/New_York"])
            #expect(moved.status == .ok)
            var budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["timezone"] == "America/New_York")
            #expect(budget["team"]?["spent_usd"] == .number(0.0000129))
            #expect(budget["key"]?["spent_usd"] == .number(0.0000129))

            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            try await gateway.flushUsage()
            #expect(try await gateway.admin(.patch, "/admin/teams/\(team)", ["budget_timezone": "UTC"]).status == .ok)
            budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["team"]?["spent_usd"] == .number(0.00001935))  // three requests, not five
            let keyView = try await gateway.admin(.get, "/admin/keys/\(keyID)").json()
            #expect(keyView["budget"]?["spent_usd"] == .number(0.00001935))
        }
    }
}

/// A clock a test moves by hand.
final class Clock: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

@Suite struct ReplicaBudgetTests {
    @Test func aReplicaSeesWhatAnotherSpentAndStopsAtTheLimit() async throws {
        try await GatewayHarness.runReplicas(count: 2, configure: { $0.budgetRefreshInterval = .milliseconds(50) }) { replicas in
            let (a, b) = (replicas[0], replicas[1])
            // Room for exactly one request at its upper estimate (0.00001005) besides what A spends.
            let team = try await a.createTeam("shared", budget: .string("0.0000229"))
            let (_, key) = try await a.createKey(team: team)
            // B has seen the team before A spends: it can only learn of A's spend by refreshing.
            #expect(try await b.send(.get, "/v1/budget", bearer: key).json()["team"]?["spent_usd"] == 0)
            #expect(try await a.chat(key: key, BudgetTests.request).status == .ok)
            #expect(try await a.chat(key: key, BudgetTests.request).status == .ok)
            try await a.flushUsage()
            var seen = JSONValue.null
            for _ in 0..<100 {
                seen = try await b.send(.get, "/v1/budget", bearer: key).json()["team"]?["spent_usd"] ?? .null
                if seen == .number(0.0000129) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen == .number(0.0000129))
            let refused = try await b.chat(key: key, BudgetTests.request)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.contains("spent $0.0000129") == true)
        }
    }
}
