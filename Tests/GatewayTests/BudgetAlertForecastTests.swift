import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import MockUpstream
import TollgateTestSupport

/// `budget.projected_exhaustion` (a budget projected to run out more than 3 days early, once per
/// period) and `budget.spend_spike` (a team's last hour above 5 times its hourly median, at most
/// once an hour), under an injected clock with usage at known rates.
@Suite struct BudgetAlertForecastTests {
    static func team(_ gateway: GatewayHarness, _ name: String, budget: String?) async throws -> (UUID, String) {
        var body: [String: JSONValue] = ["name": .string(name), "alert_webhook_url": .string(gateway.mock.webhookURL(base: gateway.mockBaseURL))]
        if let budget { body["monthly_budget_usd"] = .string(budget) }
        let created = try await gateway.admin(.post, "/admin/teams", .object(body))
        let team = try #require(try created.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        let (_, key) = try await gateway.createKey(team: team)
        return (team, key)
    }

    static func alerts(_ gateway: GatewayHarness, type: String, team: String) -> [JSONValue] {
        alerts(gateway.mock, type: type, team: team)
    }

    static func alerts(_ stats: MockStats, type: String, team: String) -> [JSONValue] {
        stats.webhooks.filter { $0["type"] == .string(type) && $0["scope_name"] == .string(team) }
    }

    @Test func aBudgetProjectedToRunOutEarlyWarnsOnce() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-10T10:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now }; $0.forecastCheckInterval = .milliseconds(100) }) { gateway in
            // Four calls today: at that pace 0.0001 lasts about 3 days, to the 13th, far before the 1st.
            let (_, hasty) = try await Self.team(gateway, "hasty", budget: "0.0001")
            // The same pace on a budget that outlasts the month.
            let (_, calm) = try await Self.team(gateway, "calm", budget: "1")
            for _ in 0..<4 {
                #expect(try await gateway.chat(key: hasty, BudgetTests.request).status == .ok)
                #expect(try await gateway.chat(key: calm, BudgetTests.request).status == .ok)
            }
            try await gateway.flushUsage()
            let status = try await gateway.send(.get, "/v1/budget", bearer: hasty).json()
            #expect(status["team"]?["projected_exhaustion_at"]?.stringValue?.hasPrefix("2026-12-13") == true, "\(status)")
            try await gateway.waitForMock("the projection alert") { !Self.alerts($0, type: "budget.projected_exhaustion", team: "hasty").isEmpty }
            try await BudgetTests.alertBarrier(gateway)
            let sent = Self.alerts(gateway, type: "budget.projected_exhaustion", team: "hasty")
            #expect(sent.count == 1)
            let alert = try #require(sent.first)
            #expect(alert["scope"] == "team" && alert["threshold_percent"] == nil)
            // Projected from the spend written when the check ran (a check may run between calls):
            // in any case more than 3 days before the period's end.
            let at = try #require(alert["projected_exhaustion_at"]?.stringValue.flatMap { try? Date.ISO8601FormatStyle().parse($0) })
            #expect(at < (try Date.ISO8601FormatStyle().parse("2026-12-29T00:00:00Z")))
            #expect(alert["period_end"] == "2027-01-01T00:00:00Z")
            #expect(Self.alerts(gateway, type: "budget.projected_exhaustion", team: "calm").isEmpty)
        }
    }

    @Test func aSpikeAlertsAndSteadySpendNeverDoes() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-10T06:10:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now }; $0.forecastCheckInterval = .milliseconds(100) }) { gateway in
            let (_, spiky) = try await Self.team(gateway, "spiky", budget: nil)
            let (_, steady) = try await Self.team(gateway, "steady", budget: nil)
            // One call an hour for four hours, both teams.
            for hour in 6...9 {
                clock.now = try Date.ISO8601FormatStyle().parse("2026-12-10T0\(hour):10:00Z")
                #expect(try await gateway.chat(key: spiky, BudgetTests.request).status == .ok)
                #expect(try await gateway.chat(key: steady, BudgetTests.request).status == .ok)
                try await gateway.flushUsage()
            }
            // Then, in the last hour, the steady team keeps its pace and the other runs away.
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-10T10:10:00Z")
            #expect(try await gateway.chat(key: steady, BudgetTests.request).status == .ok)
            for _ in 0..<8 { #expect(try await gateway.chat(key: spiky, BudgetTests.request).status == .ok) }
            try await gateway.flushUsage()
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-10T10:30:00Z")
            try await gateway.waitForMock("the spike alert") { !Self.alerts($0, type: "budget.spend_spike", team: "spiky").isEmpty }
            try await BudgetTests.alertBarrier(gateway)
            let spikes = Self.alerts(gateway, type: "budget.spend_spike", team: "spiky")
            #expect(spikes.count == 1)
            // Up to 8 calls in the last hour (a check may run mid-burst: from the 6th on it is a
            // spike) against a median of one call an hour.
            #expect(spikes.first?["hourly_median_usd"] == .number(0.00000645))
            let lastHour = try #require(spikes.first?["last_hour_spend_usd"].flatMap { Decimal(string: $0.jsonText) })
            #expect(lastHour > Decimal(string: "0.00000645")! * 5 && lastHour <= Decimal(string: "0.0000516")!)
            #expect(Self.alerts(gateway, type: "budget.spend_spike", team: "steady").isEmpty)
        }
    }
}
