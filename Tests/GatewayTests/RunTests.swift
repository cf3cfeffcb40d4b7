import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// Runs: `X-Tollgate-Run` names the agent run or job a call belongs to; rows keep it and reports
/// group and filter by it.
@Suite struct RunTests {
    static let request: JSONValue = ["model": "priced-ok", "messages": [["role": "user", "content": "hello there"]]]
    static let runHeader = HTTPField.Name("x-tollgate-run")!

    @Test func callsAreRecordedAndReportedByRun() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            for run in ["job-1", "job-1", "nightly:2026-12-07/a"] {
                #expect(try await gateway.chat(key: key, Self.request, headers: [Self.runHeader: run]).status == .ok)
            }
            #expect(try await gateway.chat(key: key, Self.request).status == .ok)
            let embed = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "text-embedding-3-small", "input": "hi"}"#,
                                               headers: [Self.runHeader: "job-1"])
            #expect(embed.status == .ok)
            #expect(try await gateway.usageRows().map(\.run) == ["job-1", "job-1", "nightly:2026-12-07/a", nil, "job-1"])

            // A whole-month report (the rollup's kind of range) by run still counts each run.
            let report = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=run").json()
            let requests = Dictionary(uniqueKeysWithValues: (report["rows"]?.arrayValue ?? []).map {
                ($0["run"]?.stringValue ?? "-", $0["requests"]?.intValue ?? 0)
            })
            #expect(requests == ["-": 1, "job-1": 3, "nightly:2026-12-07/a": 1])
            let one = try await gateway.send(.get, "/v1/spend?run=job-1&group_by=model", bearer: key).json()
            #expect(one["totals"]?["requests"] == 3)
            #expect(one["rows"]?.arrayValue?.count == 2)
        }
    }

    @Test func aBadRunIsA400() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for bad in ["has space", String(repeating: "r", count: 101), "caf\u{e9}"] {
                let response = try await gateway.chat(key: key, Self.request, headers: [Self.runHeader: bad])
                #expect(response.status == .badRequest)
                #expect(try response.errorBody()["code"] == "invalid_run")
            }
            let report = try await gateway.admin(.get, "/admin/spend?run=a%20b")
            #expect(report.status == .badRequest)
            #expect(try report.errorBody()["param"] == "run")
            #expect(gateway.mock.total == 0)
        }
    }
}
