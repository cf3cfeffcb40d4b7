import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

@Suite struct SpendReportTests {
    static func chat(_ model: String, task: String) -> JSONValue {
        ["model": .string(model), "metadata": ["task": .string(task)],
         "messages": [["role": "system", "content": "be brief please"], ["role": "user", "content": "hello there"]]]
    }

    @Test func reportsGroupByEveryDimensionWithExactTotals() async throws {
        try await GatewayHarness.run { gateway in
            let search = try await gateway.createTeam("search")
            let (searchKeyID, searchKey) = try await gateway.createKey(team: search, name: "search-app")
            let (_, otherKey) = try await gateway.makeCaller()
            for _ in 0..<3 { _ = try await gateway.chat(key: searchKey, Self.chat("gpt-4o", task: "summarise")) }
            _ = try await gateway.chat(key: searchKey, Self.chat("gpt-4o-mini", task: "triage"))
            _ = try await gateway.chat(key: otherKey, Self.chat("gpt-4o", task: "summarise"))

            let report = try await gateway.admin(.get, "/admin/spend?group_by=team,key,model,task,day,provider&team_id=\(search)")
            #expect(report.status == .ok)
            let json = try report.json()
            #expect(json["currency"] == "USD")
            #expect(json["group_by"] == ["team", "key", "model", "task", "day", "provider"])
            let rows = try #require(json["rows"]?.arrayValue)
            #expect(rows.count == 2)
            let today = Date().formatted(.iso8601.year().month().day())
            let gpt4o = try #require(rows.first { $0["model"] == "gpt-4o" })
            #expect(gpt4o["team_id"]?.stringValue == search.uuidString)
            #expect(gpt4o["team"] == "search")
            #expect(gpt4o["key_id"]?.stringValue == searchKeyID.uuidString)
            #expect(gpt4o["key"] == "search-app")
            #expect(gpt4o["task"] == "summarise")
            #expect(gpt4o["day"]?.stringValue == today)
            #expect(gpt4o["provider"] == "openai")
            #expect(gpt4o["requests"] == 3)
            #expect(gpt4o["input_tokens"] == 21)
            #expect(gpt4o["cached_input_tokens"] == 9)
            #expect(gpt4o["output_tokens"] == 36)
            // 3 × 0.00013375, and gpt-4o-mini: (4 × 0.15 + 3 × 0.075 + 12 × 0.60) / 1M = 0.000008025
            let text = String(buffer: report.body)
            #expect(text.contains("\"cost_usd\" : 0.00040125"))
            #expect(text.contains("\"cost_usd\" : 0.000008025"))
            #expect(text.contains("\"cost_usd\" : 0.000409275"))
            #expect(json["totals"]?["requests"] == 4)

            let everyone = try await gateway.admin(.get, "/admin/spend?group_by=team").json()
            #expect(everyone["rows"]?.arrayValue?.count == 2)
            #expect(everyone["totals"]?["requests"] == 5)
        }
    }

    @Test func aTeamKeySeesOnlyItsOwnTeam() async throws {
        try await GatewayHarness.run { gateway in
            let (mine, key) = try await gateway.makeCaller()
            let (_, otherKey) = try await gateway.makeCaller()
            _ = try await gateway.chat(key: key, Self.chat("gpt-4o", task: "a"))
            _ = try await gateway.chat(key: otherKey, Self.chat("gpt-4o", task: "b"))
            _ = try await gateway.chat(key: otherKey, Self.chat("gpt-4o", task: "b"))
            // team_id in the query cannot widen a team key's view.
            let report = try await gateway.send(.get, "/v1/spend?group_by=team,task&team_id=\(UUID())", bearer: key).json()
            let rows = try #require(report["rows"]?.arrayValue)
            #expect(rows.count == 1)
            #expect(rows[0]["team_id"]?.stringValue == mine.uuidString)
            #expect(rows[0]["task"] == "a")
            #expect(try await gateway.send(.get, "/v1/spend").status == .unauthorized)
        }
    }

    @Test func rangesDefaultToThisMonthAndAcceptDatesAndTimes() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            _ = try await gateway.chat(key: key, Self.chat("gpt-4o", task: "a"))
            let month = try await gateway.admin(.get, "/admin/spend").json()
            #expect(month["totals"]?["requests"] == 1)
            let from = try #require(month["from"]?.stringValue)
            #expect(from.hasSuffix("-01T00:00:00Z"))

            let past = try await gateway.admin(.get, "/admin/spend?from=2020-01-01&to=2020-02-01").json()
            #expect(past["totals"]?["requests"] == 0)
            #expect(past["rows"] == [])
            let hour = Date().addingTimeInterval(-3600).formatted(.iso8601)
            let recent = try await gateway.admin(.get, "/admin/spend?from=\(hour)").json()
            #expect(recent["totals"]?["requests"] == 1)
        }
    }

    @Test(arguments: [
        ("group_by=team,colour", "group_by"), ("from=yesterday", "from"), ("to=2020-13-45", "to"),
        ("from=2024-02-01&to=2024-01-01", "from"), ("team_id=12", "team_id"),
    ])
    func badQueriesAreRefused(query: String, param: String) async throws {
        try await GatewayHarness.run { gateway in
            let response = try await gateway.admin(.get, "/admin/spend?\(query)")
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["param"]?.stringValue == param)
        }
    }
}
