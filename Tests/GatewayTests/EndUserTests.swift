import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// End users: `safety_identifier` (else `user`) is recorded as the row's `end_user`; reports group
/// and filter by it, from the daily rollup and from the raw events alike.
@Suite struct EndUserTests {
    static func chat(_ extra: [String: JSONValue]) -> JSONValue {
        var body: [String: JSONValue] = ["model": "priced-ok", "messages": [["role": "user", "content": "hello there"]]]
        body.merge(extra) { $1 }
        return .object(body)
    }

    @Test func theEndUserIsRecordedAndReportedByBothSources() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: key, Self.chat(["user": "alice"])).status == .ok)
            #expect(try await gateway.chat(key: key, Self.chat(["user": "alice"])).status == .ok)
            // safety_identifier is OpenAI's newer field: it wins over user.
            #expect(try await gateway.chat(key: key, Self.chat(["user": "alice", "safety_identifier": "bob"])).status == .ok)
            #expect(try await gateway.chat(key: key, Self.chat(["user": ""])).status == .ok)
            let embed = try await gateway.send(
                .post, "/v1/embeddings", bearer: key, body: #"{"model": "text-embedding-3-small", "input": "hi", "user": "carol"}"#)
            #expect(embed.status == .ok)
            // The upstream still gets the field as the client sent it.
            #expect(gateway.mock.lastBody?["user"] == "carol")

            let rows = try await gateway.usageRows()
            #expect(rows.map(\.endUser) == ["alice", "alice", "bob", nil, "carol"])

            let now = Date()
            let day = 86_400.0
            let midnight = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / day).rounded(.down) * day)
            let iso = Date.ISO8601FormatStyle()
            // Whole UTC days read the rollup; an hour-exact range reads the events.
            let ranges = [
                "from=\(iso.format(midnight))&to=\(iso.format(midnight.addingTimeInterval(day)))",
                "from=\(iso.format(now.addingTimeInterval(-3600)))&to=\(iso.format(now.addingTimeInterval(3600)))",
            ]
            for range in ranges {
                let report = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=end_user&\(range)").json()
                #expect(report["group_by"] == ["end_user"])
                let requests = Dictionary(uniqueKeysWithValues: (report["rows"]?.arrayValue ?? []).map {
                    ($0["end_user"]?.stringValue ?? "-", $0["requests"]?.intValue ?? 0)
                })
                #expect(requests == ["-": 1, "alice": 2, "bob": 1, "carol": 1], "\(range)")
                let alice = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&end_user=alice&\(range)").json()
                #expect(alice["totals"]?["requests"] == 2)
            }
            // A team key sees its own end users too.
            let own = try await gateway.send(.get, "/v1/spend?group_by=end_user,model&end_user=bob", bearer: key).json()
            #expect(own["rows"]?[0]?["end_user"] == "bob" && own["rows"]?[0]?["model"] == "priced-ok")
        }
    }

    @Test func aBadEndUserIsA400NamingTheField() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let cases: [([String: JSONValue], String)] = [
                (["user": 5], "user"), (["safety_identifier": ["x"]], "safety_identifier"),
                (["user": .string(String(repeating: "u", count: 257))], "user"), (["safety_identifier": "a\u{0}b"], "safety_identifier"),
            ]
            for (extra, param) in cases {
                let response = try await gateway.chat(key: key, Self.chat(extra))
                #expect(response.status == .badRequest)
                #expect(try response.errorBody()["param"] == .string(param))
            }
            let embed = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "text-embedding-3-small", "input": "hi", "user": 1}"#)
            #expect(embed.status == .badRequest)
            for query in ["end_user=", "end_user=\(String(repeating: "e", count: 257))"] {
                let report = try await gateway.admin(.get, "/admin/spend?\(query)")
                #expect(report.status == .badRequest)
                #expect(try report.errorBody()["param"] == "end_user")
            }
            #expect(gateway.mock.total == 0)
        }
    }
}
