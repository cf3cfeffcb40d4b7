import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `end_user_monthly_budget_usd`: a hard monthly limit a key applies to each of its end users, held
/// under concurrency and across replicas, refused with a message naming the end user and the key.
@Suite struct EndUserBudgetTests {
    /// gpt-4o-mini, 10 output tokens at most: reserved at 0.00001005, costs 0.00000645.
    static func request(for user: String?) -> JSONValue {
        var body = BudgetTests.request.objectValue ?? [:]
        if let user { body["user"] = .string(user) }
        return .object(body)
    }

    @Test func eachEndUserHasTheKeysLimitOfItsOwn() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            // Room for one call per end user (0.00000645 spent + 0.00001005 reserved > 0.000012).
            let (_, key) = try await gateway.createKey(team: team, name: "app", extra: ["end_user_monthly_budget_usd": "0.000012"])
            #expect(try await gateway.chat(key: key, Self.request(for: "alice")).status == .ok)
            let refused = try await gateway.chat(key: key, Self.request(for: "alice"))
            #expect(refused.status == .tooManyRequests)
            let error = try refused.errorBody()
            #expect(error["code"] == "insufficient_quota")
            #expect(error["message"]?.stringValue?.contains("end user 'alice' of key 'app'") == true)
            #expect(error["message"]?.stringValue?.contains("monthly limit $0.000012") == true)
            // Another end user, and calls naming none, are not held by alice's spend.
            #expect(try await gateway.chat(key: key, Self.request(for: "bob")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request(for: nil)).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request(for: nil)).status == .ok)
            // The preview says the same.
            let preview = try await gateway.send(
                .post, "/v1/cost/estimate", bearer: key, body: String(buffer: WireCoding.encode(Self.request(for: "alice")))).json()
            #expect(preview["decision"] == "reject")
            // The key shows its limit.
            let shown = try await gateway.admin(.get, "/admin/keys?team_id=\(team)").json()
            #expect(shown["data"]?[0]?["end_user_monthly_budget_usd"] == .number(0.000012))
        }
    }

    @Test func concurrentCallsOfOneEndUserNeverPassItsLimit() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            // Room for exactly two reservations, whatever the order calls settle in.
            let (_, key) = try await gateway.createKey(team: team, extra: ["end_user_monthly_budget_usd": "0.000021"])
            let responses = try await gateway.concurrentChats(key: key, body: Self.request(for: "carol"), count: 8)
            #expect(responses.filter { $0.status == 200 }.count == 2)
            #expect(responses.filter { $0.status == 429 }.count == 6)
        }
    }

    @Test func anotherReplicaSeesTheEndUsersSpend() async throws {
        try await GatewayHarness.runReplicas(count: 2) { replicas in
            let (a, b) = (replicas[0], replicas[1])
            let team = try await a.createTeam()
            let (_, key) = try await a.createKey(team: team, extra: ["end_user_monthly_budget_usd": "0.000012"])
            #expect(try await a.chat(key: key, Self.request(for: "dave")).status == .ok)
            try await a.flushUsage()
            // B reads dave's counter from the store for the first time: the row the usage writer
            // keyed in SQL is the one B derives.
            let refused = try await b.chat(key: key, Self.request(for: "dave"))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.contains("spent $0.00000645") == true)
        }
    }

    @Test func anEndUsersSpendIsCarriedWhenTheTeamChangesTimeZone() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            let (_, key) = try await gateway.createKey(team: team, extra: ["end_user_monthly_budget_usd": "0.000012"])
            #expect(try await gateway.chat(key: key, Self.request(for: "frank")).status == .ok)
            try await gateway.flushUsage()
            #expect(try await gateway.admin(.patch, "/admin/teams/\(team)", ["budget_timezone": "America/New_York"]).status == .ok)
            // The new zone's period starts with frank's spend so far, so his limit still holds.
            let refused = try await gateway.chat(key: key, Self.request(for: "frank"))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.contains("spent $0.00000645") == true)
        }
    }

    @Test func theLimitIsValidatedAndCanBeCleared() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            let bad = try await gateway.admin(.post, "/admin/keys", ["team_id": .string(team.uuidString), "name": "x", "end_user_monthly_budget_usd": -1])
            #expect(bad.status == .badRequest)
            #expect(try bad.errorBody()["param"] == "end_user_monthly_budget_usd")
            let (id, key) = try await gateway.createKey(team: team, extra: ["end_user_monthly_budget_usd": "0.000012"])
            #expect(try await gateway.chat(key: key, Self.request(for: "erin")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request(for: "erin")).status == .tooManyRequests)
            let cleared = try await gateway.admin(.patch, "/admin/keys/\(id)", ["end_user_monthly_budget_usd": .null])
            #expect(try cleared.json()["end_user_monthly_budget_usd"] == .null)
            #expect(try await gateway.chat(key: key, Self.request(for: "erin")).status == .ok)
        }
    }
}
