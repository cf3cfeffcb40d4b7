import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// Prices as data: `POST /admin/prices` adds and corrects entries, `GET /admin/prices` shows them
/// with their history, and every replica prices with a new entry within two seconds.
@Suite struct PriceAdminTests {
    static let hi: JSONValue = ["role": "user", "content": "hi"]

    @Test func aPostedPricePricesTheNextCallAndACorrectionKeepsTheHistory() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            // Unpriced at first: metered with a null cost.
            #expect(try await gateway.chat(key: key, ["model": "openai/gpt-new", "messages": [Self.hi]]).status == .ok)

            let posted = try await gateway.admin(.post, "/admin/prices", [
                "model": "gpt-new", "provider": "openai", "input": "2.00", "output": "8.00", "effective_from": "2020-01-01",
                "source": "https://example.com/pricing",
            ])
            #expect(posted.status == .created)
            let record = try posted.json()
            #expect(record["origin"] == "admin" && record["in_force"] == true && record["input"] == "2.00")
            #expect(try await gateway.chat(key: key, ["model": "openai/gpt-new", "messages": [Self.hi]]).status == .ok)

            // The same model and day again: a correction.
            let corrected = try await gateway.admin(.post, "/admin/prices", [
                "model": "gpt-new", "provider": "openai", "input": "1.00", "output": "4.00", "effective_from": "2020-01-01",
            ])
            #expect(corrected.status == .created)
            #expect(try corrected.json()["replaced"]?["id"] == record["id"])
            #expect(try await gateway.chat(key: key, ["model": "openai/gpt-new", "messages": [Self.hi]]).status == .ok)

            // 2 prompt tokens and 12 output: unpriced, then (2 × 2 + 12 × 8), then (2 × 1 + 12 × 4) per 1M.
            #expect(try await gateway.usageRows().map(\.cost) == [nil, "0.000100000000", "0.000050000000"])

            let history = try await gateway.admin(.get, "/admin/prices?model=gpt-new").json()["data"]?.arrayValue ?? []
            #expect(history.count == 2)
            #expect(history.map { $0["input"] } == ["2.00", "1.00"])
            #expect(history.map { $0["in_force"] } == [false, true])
            #expect(history[0]["replaced_by_id"] == history[1]["id"])
            let inForce = try await gateway.admin(.get, "/admin/prices").json()["data"]?.arrayValue ?? []
            #expect(inForce.filter { $0["model"] == "gpt-new" }.count == 1)
            #expect(inForce.contains { $0["model"] == "gpt-4o" })
            #expect(inForce.contains { $0["origin"] == "built-in" })
        }
    }

    @Test(arguments: [
        (#"{"model": "m", "input": "1", "output": "1", "effective_from": "2025-01-01"}"#, "provider"),
        (#"{"model": "m", "provider": "p", "input": "1.0000001", "output": "1", "effective_from": "2025-01-01"}"#, "input"),
        (#"{"model": "m", "provider": "p", "input": "-1", "output": "1", "effective_from": "2025-01-01"}"#, "input"),
        (#"{"model": "m", "provider": "p", "input": 1, "output": "1", "effective_from": "2025-01-01"}"#, "input"),
        (#"{"model": "m", "provider": "p", "input": "1", "output": "1", "effective_from": "yesterday"}"#, "effective_from"),
        (#"{"model": "m", "provider": "p p", "input": "1", "output": "1", "effective_from": "2025-01-01"}"#, "provider"),
        (#"{"model": "m", "provider": "p", "input": "1", "output": "1", "effective_from": "2025-01-01", "tiers": [{"above_input_tokens": -1, "input": "1", "output": "1"}]}"#, "tiers.above_input_tokens"),
        (#"{"model": "gpt-5.5", "provider": "p", "input": "x", "output": "1", "effective_from": "2025-01-01"}"#, "input"),
        (#"{"model": "m", "provider": "p", "input": "1", "output": "1", "effective_from": "2025-01-01", "service_tiers": {"priority": {"input": "1", "output": "-2"}}}"#, "service_tiers.priority.output"),
        (#"[1]"#, nil),
    ] as [(String, String?)])
    func badEntriesAreA400NamingTheField(body: String, param: String?) async throws {
        try await GatewayHarness.run { gateway in
            let response = try await gateway.send(.post, "/admin/prices", bearer: gateway.adminKey, body: body)
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["param"] == param.map(JSONValue.string) ?? .null)
            let team = try await gateway.send(.post, "/admin/prices", bearer: try await gateway.makeCaller().1, body: body)
            #expect(team.status == .unauthorized || team.status == .forbidden)
        }
    }

    /// Found by the fuzz test: a NUL in the model reached PostgreSQL (whose text cannot hold it) as a 500.
    @Test func aModelWithNULIsA400() async throws {
        try await GatewayHarness.run { gateway in
            let response = try await gateway.admin(.get, "/admin/prices?model=%00")
            #expect(response.status == .badRequest)
            #expect(try response.errorBody()["param"] == "model")
        }
    }

    @Test func aPricePostedToOneReplicaPricesTheNextCallOnAnother() async throws {
        try await GatewayHarness.runReplicas(count: 2) { replicas in
            let (_, key) = try await replicas[0].makeCaller()
            let posted = try await replicas[0].admin(.post, "/admin/prices", [
                "model": "gpt-elsewhere", "provider": "openai", "input": "3.00", "output": "6.00", "effective_from": "2020-01-01",
            ])
            #expect(posted.status == .created)
            // The other replica hears of it by LISTEN/NOTIFY: within 2 seconds it prices the call.
            let deadline = ContinuousClock.now + .seconds(2)
            var cost: JSONValue?
            repeat {
                let response = try await replicas[1].chat(key: key, ["model": "openai/gpt-elsewhere", "messages": [Self.hi]])
                cost = try response.json()["usage"]?["cost"]
                if cost != .null { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < deadline
            #expect(cost != .null)
            // (2 × 3 + 12 × 6) / 1M
            #expect(try await replicas[1].usageRows().last?.cost == "0.000078000000")
        }
    }
}
