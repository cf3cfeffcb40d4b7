import Foundation
import Governance
import HTTPTypes
import Metering
import OpenAIWire
import PostgresNIO
import Pricing
import Testing
import TollgateTestSupport

/// A corrected price applied to history: a dry run says what would change, a real reprice moves
/// the events, the report (rollup and raw), and the budget spend by exactly that, and leaves an
/// adjustment record.
@Suite struct RepriceTests {
    @Test func aCorrectedPriceIsAppliedToHistoryExactly() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam(budget: 100)
            let key = try await gateway.createKey(team: team)
            let period = BudgetPeriod(containing: Date(), timeZone: TimeZone(identifier: "UTC")!).start
            // 1,000 calls of priced-ok ($1 in, $2 out): 10 input and 5 output tokens, 20 per 1M each.
            let inRange = Date().addingTimeInterval(-3600)
            for index in 0..<1_000 {
                gateway.recorder.record(UsageEvent(
                    requestID: "req_reprice_\(index)", time: inRange.addingTimeInterval(Double(index) / 1000), teamID: team, keyID: key.id,
                    task: "t", requestedModel: "priced-ok", servedModel: "priced-ok", provider: "mock-priced",
                    usage: TokenUsage(uncachedInput: 10, output: 5), cost: Money("0.00002")!, status: 200, latencyMilliseconds: 1,
                    streamed: false, budgetPeriodStart: period))
            }
            // One outside the range, which must not change.
            gateway.recorder.record(UsageEvent(
                requestID: "req_reprice_before", time: period.addingTimeInterval(-86_400 * 40), teamID: team, keyID: key.id, task: "t",
                requestedModel: "priced-ok", servedModel: "priced-ok", provider: "mock-priced", usage: TokenUsage(uncachedInput: 10, output: 5),
                cost: Money("0.00002")!, status: 200, latencyMilliseconds: 1, streamed: false))
            try await gateway.flushUsage()
            #expect(try await Self.spent(gateway, team: team) == "0.020000000000")

            // The price was wrong: corrected to $2 / $4 from the same day.
            let corrected = try await gateway.admin(.post, "/admin/prices", [
                "model": "priced-ok", "provider": "mock-priced", "input": "2.00", "output": "4.00", "effective_from": "2024-01-01",
                "max_output_tokens": 1000,
            ])
            #expect(corrected.status == .created)

            let from = Self.rfc3339(inRange.addingTimeInterval(-60))
            let to = Self.rfc3339(Date().addingTimeInterval(60))
            let dry = try await gateway.admin(.post, "/admin/reprice", ["model": "priced-ok", "from": .string(from), "to": .string(to), "dry_run": true])
            #expect(dry.status == .ok)
            let dryBody = String(buffer: dry.body)
            #expect(dryBody.contains(#""events" : 1000"#))
            #expect(dryBody.contains(#""old_cost_usd" : 0.02"#) && dryBody.contains(#""new_cost_usd" : 0.04"#))
            #expect(dryBody.contains(#""delta_usd" : 0.02"#) && dryBody.contains(#""adjustment_id" : null"#))
            // A dry run changes nothing.
            #expect(try await Self.spent(gateway, team: team) == "0.020000000000")
            #expect(try await Self.reportCost(gateway, from: Self.day(inRange), to: Self.day(Date().addingTimeInterval(86_400))) == "0.02")

            let applied = try await gateway.admin(.post, "/admin/reprice", ["model": "priced-ok", "from": .string(from), "to": .string(to)])
            #expect(applied.status == .ok)
            let adjustmentID = try #require(try applied.json()["adjustment_id"]?.intValue)
            #expect(try await Self.spent(gateway, team: team) == "0.040000000000")
            #expect(try await Self.spent(gateway, key: key.id) == "0.040000000000")
            // The rollup (whole days) and the raw events (a time range) agree.
            #expect(try await Self.reportCost(gateway, from: Self.day(inRange), to: Self.day(Date().addingTimeInterval(86_400))) == "0.04")
            #expect(try await Self.reportCost(gateway, from: from, to: to) == "0.04")
            #expect(try await gateway.usageRows().filter { $0.requestID == "req_reprice_before" }.map(\.cost) == ["0.000020000000"])
            // The replica's own counter follows at once.
            let budget = try await gateway.admin(.get, "/admin/teams/\(team)").json()["budget"]
            #expect(budget?["spent_usd"] == .number(0.04))

            let adjustments = try await gateway.admin(.get, "/admin/adjustments").json()["data"]?.arrayValue ?? []
            #expect(adjustments.count == 1)
            #expect(adjustments.first?["id"]?.intValue == adjustmentID)
            #expect(adjustments.first?["model"] == "priced-ok" && adjustments.first?["events"] == 1000)
            #expect(adjustments.first?["delta_usd"] == .number(0.02))

            // Repricing again under the same prices changes nothing.
            let again = try await gateway.admin(.post, "/admin/reprice", ["model": "priced-ok", "from": .string(from), "to": .string(to)])
            #expect(String(buffer: again.body).contains(#""delta_usd" : 0"#))
            #expect(try await Self.spent(gateway, team: team) == "0.040000000000")
        }
    }

    @Test(arguments: [
        (#"{"model": "m", "from": "2026-02-01", "to": "2026-01-01"}"#, "to"),
        (#"{"model": "", "from": "2026-01-01", "to": "2026-02-01"}"#, "model"),
        (#"{"model": "m", "from": "yesterday", "to": "2026-02-01"}"#, "from"),
        (#"{"from": "2026-01-01", "to": "2026-02-01"}"#, "model"),
        (#"{"model": "m", "from": "2026-01-01", "to": "2026-02-01", "dry_run": "yes"}"#, "dry_run"),
    ])
    func badRequestsAreA400NamingTheField(body: String, param: String) async throws {
        try await GatewayHarness.run { gateway in
            let response = try await gateway.send(.post, "/admin/reprice", bearer: gateway.adminKey, body: body)
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["param"] == .string(param))
        }
    }

    static func spent(_ gateway: GatewayHarness, team: UUID) async throws -> String? {
        try await spent(gateway, kind: "team", id: team)
    }

    static func spent(_ gateway: GatewayHarness, key: UUID) async throws -> String? {
        try await spent(gateway, kind: "key", id: key)
    }

    static func spent(_ gateway: GatewayHarness, kind: String, id: UUID) async throws -> String? {
        let rows = try await gateway.postgres.query(
            "SELECT spent_usd::text FROM budget_spend WHERE scope_kind = \(kind) AND scope_id = \(id) ORDER BY period_start DESC LIMIT 1")
        for try await spent in rows.decode(String.self) { return spent }
        return nil
    }

    static func reportCost(_ gateway: GatewayHarness, from: String, to: String) async throws -> String? {
        let response = try await gateway.admin(.get, "/admin/spend?from=\(from.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? from)&to=\(to.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? to)")
        let text = String(buffer: response.body)
        guard let range = text.range(of: #""cost_usd" : "#) else { return nil }
        return String(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func day(_ date: Date) -> String {
        PriceEntry.dayString(date)
    }
}
