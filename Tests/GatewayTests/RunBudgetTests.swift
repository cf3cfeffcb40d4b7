import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `X-Tollgate-Run-Budget`: the first request of a run sets a budget every call of the run must fit
/// under, held under concurrency and across replicas, refused naming the run; a run ends 24 hours
/// after its last call, and its name then starts a new run.
@Suite struct RunBudgetTests {
    static let run = HTTPField.Name("x-tollgate-run")!
    static let budget = HTTPField.Name("x-tollgate-run-budget")!
    /// gpt-4o-mini, 10 output tokens at most: reserved at 0.00001005, costs 0.00000645.
    static let request = BudgetTests.request

    static func headers(_ run: String, budget: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [Self.run: run]
        if let budget { headers[Self.budget] = budget }
        return headers
    }

    @Test func everyCallOfARunFitsItsBudget() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            // Room for one call (0.00000645 spent + 0.00001005 reserved > 0.000012).
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("job-1", budget: "0.000012")).status == .ok)
            // Later calls need not repeat the budget: the run keeps it.
            let refused = try await gateway.chat(key: key, Self.request, headers: Self.headers("job-1"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[HTTPField.Name("x-should-retry")!] == "false")
            let message = try refused.errorBody()["message"]?.stringValue ?? ""
            #expect(message.contains("Budget exceeded for run 'job-1': run limit $0.000012, spent $0.00000645"), "\(message)")
            #expect(message.contains("24 hours after its last call"))
            #expect(try refused.errorBody()["code"] == "insufficient_quota")
            // Other runs, runs without a budget, and calls outside runs are not held by it.
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("job-2", budget: "0.000012")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("job-3")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            // Another team's run of the same name is its own.
            let (_, other) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: other, Self.request, headers: Self.headers("job-1", budget: "0.000012")).status == .ok)
            let report = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=run").json()
            let runs = (report["rows"]?.arrayValue ?? []).compactMap { $0["run"]?.stringValue }.sorted()
            #expect(runs == ["job-1", "job-2", "job-3"])
        }
    }

    @Test func concurrentCallsOfARunNeverPassItsBudget() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            // Eight calls at once open the run together (one upsert wins, all get its start and
            // budget): room for exactly two reservations, whatever the order calls settle in.
            let responses = try await gateway.concurrentChats(key: key, body: Self.request, count: 8, headers: Self.headers("burst", budget: "0.000021"))
            let admitted = responses.filter { $0.status == 200 }.count
            #expect(admitted == 2, "statuses \(responses.map(\.status))")
            #expect(responses.filter { $0.status == 429 }.count == 6)
            let total = try await gateway.usageRows().compactMap { $0.cost.flatMap { Decimal(string: $0) } }.reduce(0, +)
            #expect(total <= Decimal(string: "0.000021")!)
        }
    }

    @Test func aRunsBudgetIsSetOnceAndNeedsARun() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("fixed", budget: "1.50")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("fixed", budget: "1.5")).status == .ok)
            let changed = try await gateway.chat(key: key, Self.request, headers: Self.headers("fixed", budget: "3"))
            #expect(changed.status == .conflict)
            #expect(try changed.errorBody()["code"] == "run_budget_conflict")
            #expect(try changed.errorBody()["message"]?.stringValue?.contains("$1.5") == true)
            // A run started without a budget keeps having none.
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("open")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("open", budget: "1")).status == .conflict)
            // A budget needs a run, and must be a plain positive decimal.
            let alone = try await gateway.chat(key: key, Self.request, headers: [Self.budget: "1"])
            #expect(alone.status == .badRequest)
            #expect(try alone.errorBody()["code"] == "invalid_run_budget")
            for bad in ["0", "-1", "abc", "1e3", "0.0000001", "2000000", "1,5", "NaN", "1.", ".5.5"] {
                let response = try await gateway.chat(key: key, Self.request, headers: Self.headers("bad", budget: bad))
                #expect(response.status == .badRequest, "\(bad)")
                #expect(try response.errorBody()["code"] == "invalid_run_budget", "\(bad)")
            }
            #expect(gateway.mock.total == 3)
        }
    }

    @Test func aRunEnds24HoursAfterItsLastCall() async throws {
        let clock = Clock(try Date.ISO8601FormatStyle().parse("2026-12-07T10:00:00Z"))
        try await GatewayHarness.run(configure: { $0.clock = { clock.now } }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("nightly", budget: "0.000012")).status == .ok)
            // A call 23 hours later belongs to the same run: refused, and it keeps the run alive.
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-08T09:00:00Z")
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("nightly")).status == .tooManyRequests)
            // 24 hours after that last call the run has ended: the name starts a new run, with a new budget.
            clock.now = try Date.ISO8601FormatStyle().parse("2026-12-09T09:01:00Z")
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("nightly", budget: "0.000013")).status == .ok)
            #expect(try await gateway.chat(key: key, Self.request, headers: Self.headers("nightly")).status == .tooManyRequests)
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.run) == ["nightly", "nightly"])
        }
    }

    @Test func anotherReplicaHoldsTheSameRunBudget() async throws {
        try await GatewayHarness.runReplicas(count: 2) { replicas in
            let (a, b) = (replicas[0], replicas[1])
            let team = try await a.createTeam()
            let (_, key) = try await a.createKey(team: team)
            #expect(try await a.chat(key: key, Self.request, headers: Self.headers("shared", budget: "0.000012")).status == .ok)
            try await a.flushUsage()
            // B learns the run (its start and budget) from the store, and its spend from the counter
            // the usage writer keyed in SQL.
            let refused = try await b.chat(key: key, Self.request, headers: Self.headers("shared"))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["message"]?.stringValue?.contains("spent $0.00000645") == true)
            #expect(try await b.chat(key: key, Self.request, headers: Self.headers("shared", budget: "2")).status == .conflict)
        }
    }
}
