import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `format=csv` and the FOCUS 1.2 export: the JSON report's rows, parsed back, with equal totals.
@Suite struct SpendExportTests {
    /// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r\n", "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func seed(_ gateway: GatewayHarness) async throws -> (team: UUID, key: String) {
        let team = try await gateway.createTeam("Acme, \"Labs\"")
        let (_, key) = try await gateway.createKey(team: team, name: "=HYPERLINK(1)")
        for (model, task) in [("gpt-4o", "summarise"), ("gpt-4o", "summarise"), ("gpt-4o-mini", "triage"), ("claude-sonnet-4", "triage")] {
            #expect(try await gateway.chat(key: key, SpendReportTests.chat(model, task: task)).status == .ok)
        }
        return (team, key)
    }

    @Test func theCSVReportIsTheJSONReport() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await Self.seed(gateway)
            let query = "group_by=team,key,model,task&team_id=\(team)"
            let json = try await gateway.admin(.get, "/admin/spend?\(query)").json()
            let response = try await gateway.admin(.get, "/admin/spend?\(query)&format=csv")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            let table = Self.parseCSV(String(buffer: response.body))
            #expect(table.first == ["team_id", "team", "key_id", "key", "model", "task", "requests", "input_tokens", "cached_input_tokens",
                                    "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "unpriced_requests",
                                    "estimated_requests"])
            let rows = table.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(table[0], $0)) }
            #expect(rows.count == json["rows"]?.arrayValue?.count)
            #expect(rows.allSatisfy { $0["team"] == "Acme, \"Labs\"" })
            // A name a spreadsheet would run as a formula is defused.
            #expect(rows.allSatisfy { $0["key"] == "'=HYPERLINK(1)" })
            let cost = rows.compactMap { $0["cost_usd"].flatMap { Decimal(string: $0) } }.reduce(0, +)
            #expect(cost == json["totals"]?["cost_usd"].flatMap { Decimal(string: $0.jsonText) })
            #expect(rows.compactMap { $0["requests"].flatMap(Int.init) }.reduce(0, +) == 4)
            // A team key gets its own team's, the same way.
            let own = Self.parseCSV(String(buffer: try await gateway.send(.get, "/v1/spend?format=csv&group_by=model", bearer: key).body))
            #expect(own.first?.first == "model" && own.count == 4)
            let bad = try await gateway.admin(.get, "/admin/spend?format=xml")
            #expect(bad.status == .badRequest)
        }
    }

    @Test func theFOCUSExportCarriesTheSameSpend() async throws {
        try await GatewayHarness.run { gateway in
            let (team, _) = try await Self.seed(gateway)
            let json = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=day,team,key,task,provider,model").json()
            let focus = try await gateway.admin(.get, "/admin/spend/focus?team_id=\(team)").json()
            #expect(focus["focus_version"] == "1.2")
            let records = try #require(focus["rows"]?.arrayValue)
            #expect(records.count == json["rows"]?.arrayValue?.count)
            let billed = records.compactMap { $0["BilledCost"].flatMap { Decimal(string: $0.jsonText) } }.reduce(0, +)
            #expect(billed == json["totals"]?["cost_usd"].flatMap { Decimal(string: $0.jsonText) })
            let claude = try #require(records.first { $0["ResourceName"] == "claude-sonnet-4" })
            #expect(claude["ServiceName"] == "anthropic" && claude["ProviderName"] == "anthropic")
            #expect(claude["ChargeCategory"] == "Usage" && claude["BillingCurrency"] == "USD")
            #expect(claude["EffectiveCost"] == claude["BilledCost"])
            #expect(claude["SubAccountName"] == "Acme, \"Labs\"")
            let today = Date().formatted(.iso8601.year().month().day())
            #expect(claude["ChargePeriodStart"]?.stringValue?.hasPrefix(today) == true)
            let tags = try JSONParser.parse(claude["Tags"]?.stringValue ?? "")
            #expect(tags == ["tollgate_team": "Acme, \"Labs\"", "tollgate_key": "=HYPERLINK(1)", "tollgate_task": "triage"])

            let csv = try await gateway.admin(.get, "/admin/spend/focus?team_id=\(team)&format=csv")
            let table = Self.parseCSV(String(buffer: csv.body))
            #expect(table.first?.first == "BilledCost")
            let column = try #require(table.first?.firstIndex(of: "BilledCost"))
            #expect(table.dropFirst().compactMap { Decimal(string: $0[column]) }.reduce(0, +) == billed)
            #expect(table.count == records.count + 1)
        }
    }
}
