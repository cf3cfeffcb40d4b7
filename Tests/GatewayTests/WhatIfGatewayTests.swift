import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `GET /admin/what-if`: a task's stored traffic repriced at another model's rates, equal to the
/// sum computed by hand from its buckets; a bucket that model cannot price is reported.
@Suite struct WhatIfGatewayTests {
    @Test func aTasksTrafficRepricedAtAnotherModel() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            for model in ["gpt-4o", "gpt-4o", "claude-sonnet-4"] {
                #expect(try await gateway.chat(key: key, SpendReportTests.chat(model, task: "summarise")).status == .ok)
            }
            // A 1-hour cache write, which gpt-4o-mini has no rate for.
            let oneHourCall = try await gateway.chat(key: key, ["model": "claude-priced", "metadata": ["task": "summarise"], "messages": [
                ["role": "user", "content": [["type": "text", "text": "long shared context here", "cache_control": ["type": "ephemeral", "ttl": "1h"]]]],
            ]])
            #expect(oneHourCall.status == .ok, "\(String(buffer: oneHourCall.body))")
            #expect(try await gateway.chat(key: key, SpendReportTests.chat("gpt-4o", task: "other")).status == .ok)

            let answer = try await gateway.admin(.get, "/admin/what-if?model=gpt-4o-mini&task=summarise&team_id=\(team)")
            #expect(answer.status == .ok, "\(String(buffer: answer.body))")
            let json = try answer.json()
            // By hand: gpt-4o-mini's rates (input 0.15, cached 0.075, output 0.60 per 1M; a 5-minute
            // write at the input rate) on each stored row's buckets.
            let rows = try await gateway.usageRows().filter { $0.task == "summarise" }
            #expect(rows.count == 4)
            var expected = Decimal(0)
            var oneHour = 0
            for row in rows {
                expected += (Decimal(row.uncachedInput) * Decimal(string: "0.15")! + Decimal(row.cacheRead) * Decimal(string: "0.075")!
                             + Decimal(row.cacheWrite) * Decimal(string: "0.15")! + Decimal(row.output) * Decimal(string: "0.60")!) / 1_000_000
                oneHour += row.cacheWrite1h
            }
            #expect(oneHour > 0)
            #expect(json["what_if_cost_usd"].flatMap { Decimal(string: $0.jsonText) } == expected)
            let actual = rows.compactMap { $0.cost.flatMap { Decimal(string: $0) } }.reduce(0, +)
            #expect(json["cost_usd"].flatMap { Decimal(string: $0.jsonText) } == actual)
            #expect(json["requests"] == 4)
            #expect(json["unpriced_buckets"] == [["bucket": "cache_write_1h", "tokens": .integer(Int64(oneHour)),
                                                  "reason": "gpt-4o-mini publishes no 1-hour cache write rate"]])
            let models = (json["by_model"]?.arrayValue ?? []).compactMap { $0["model"]?.stringValue }
            #expect(models == ["claude-priced", "claude-sonnet-4", "gpt-4o"])
            #expect(json["difference_usd"].flatMap { Decimal(string: $0.jsonText) } == expected - actual)
        }
    }

    @Test func badQuestionsAreClearErrors() async throws {
        try await GatewayHarness.run { gateway in
            #expect(try await gateway.admin(.get, "/admin/what-if?task=x").status == .badRequest)
            let unpriced = try await gateway.admin(.get, "/admin/what-if?model=no-such-model")
            #expect(unpriced.status == .badRequest)
            #expect(try unpriced.errorBody()["code"] == "model_not_priced")
            #expect(try await gateway.admin(.get, "/admin/what-if?model=gpt-4o&key_id=nope").status == .badRequest)
            #expect(try await gateway.admin(.get, "/admin/what-if?model=gpt-4o&task=has%20space").status == .badRequest)
            // Nothing matched: zeros, not an error.
            let empty = try await gateway.admin(.get, "/admin/what-if?model=gpt-4o&task=nothing").json()
            #expect(empty["requests"] == 0 && empty["by_model"] == [])
        }
    }
}
