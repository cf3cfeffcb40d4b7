import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// Budget status projects the period's spend at the recent burn rate (the higher of the last day's
/// and the last week's) and says when the hard limit would be reached.
@Suite struct BudgetForecastTests {
    /// gpt-4o-mini, 10 output tokens: costs 0.00000645.
    static let call = Decimal(string: "0.00000645")!

    @Test func statusProjectsTheBurnRate() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-10T10:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            let team = try await gateway.createTeam("forecast", budget: "0.0001")
            let (_, key) = try await gateway.createKey(team: team)
            // Four calls two hours ago (a day's burn of 4 calls), one eight days ago (outside the week,
            // and last month: not in this period's spend either).
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-02T10:00:00Z")
            #expect(try await gateway.chat(key: key, BudgetTests.request).status == .ok)
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-10T10:00:00Z")
            for _ in 0..<4 { #expect(try await gateway.chat(key: key, BudgetTests.request).status == .ok) }
            try await gateway.flushUsage()
            let now = try Date.ISO8601FormatStyle().parse("2026-12-10T12:00:00Z")
            clock.now = now

            let status = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            let teamView = try #require(status["team"])
            let spent = Self.call * 5
            #expect(teamView["spent_usd"].flatMap { Decimal(string: $0.jsonText) } == spent)
            // The day's burn (4 calls) beats the week's (4 calls over 7 days).
            let dayBurn = Self.call * 4
            let periodEnd = try Date.ISO8601FormatStyle().parse("2027-01-01T00:00:00Z")
            let left = Decimal(periodEnd.timeIntervalSince(now))
            var projected = spent + dayBurn * left / 86_400
            var rounded = Decimal()
            NSDecimalRound(&rounded, &projected, 12, .plain)
            #expect(teamView["projected_spend_usd"].flatMap { Decimal(string: $0.jsonText) } == rounded)
            let seconds = ((Decimal(string: "0.0001")! - spent) * 86_400 / dayBurn as NSDecimalNumber).doubleValue.rounded(.up)
            let expected = Date.ISO8601FormatStyle().format(now.addingTimeInterval(seconds))
            #expect(teamView["projected_exhaustion_at"]?.stringValue == expected)
            // The key has no limit: a projection, and no exhaustion.
            let keyView = try #require(status["key"])
            #expect(keyView["projected_exhaustion_at"] == .null)
            #expect(keyView["projected_spend_usd"].flatMap { Decimal(string: $0.jsonText) } == rounded)
            // The admin team view says the same.
            let admin = try await gateway.admin(.get, "/admin/teams/\(team)").json()
            #expect(admin["budget"]?["projected_exhaustion_at"]?.stringValue == expected)
        }
    }

    @Test func aBudgetThatOutlastsThePeriodIsNotProjectedToRunOut() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-28T10:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            let team = try await gateway.createTeam("roomy", budget: "1")
            let (_, key) = try await gateway.createKey(team: team)
            #expect(try await gateway.chat(key: key, BudgetTests.request).status == .ok)
            try await gateway.flushUsage()
            let status = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(status["team"]?["projected_exhaustion_at"] == .null)
            #expect(status["team"]?["projected_spend_usd"] != .null)
        }
    }
}
