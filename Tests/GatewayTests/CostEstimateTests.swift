import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `POST /v1/cost/estimate`: the admission a call would get, from the same code, without calling
/// an upstream or reserving anything; its estimate is the reservation the real call then makes.
@Suite struct CostEstimateTests {
    static let hi: JSONValue = ["role": "user", "content": "hi there"]

    /// The JSON number after `"field"` in `text`, exactly.
    static func number(_ field: String, in text: String) -> Decimal? {
        guard let range = text.range(of: "\"\(field)\"") else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " || $0 == ":" }
        return Decimal(string: String(rest.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" }))
    }

    @Test func anEstimateIsTheReservationTheCallThenMakes() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam(budget: 10)
            let (_, key) = try await gateway.createKey(team: team)
            let body: JSONValue = ["model": "priced-drip", "max_tokens": 100, "stream": true, "messages": [Self.hi]]
            let before = gateway.mock.total
            let preview = try await gateway.send(.post, "/v1/cost/estimate", bearer: key, body: String(buffer: WireCoding.encode(body)))
            #expect(preview.status == .ok)
            let json = try preview.json()
            #expect(json["decision"] == "allow" && json["reason"] == .null)
            #expect(json["model"] == "priced-drip" && json["served_model"] == "priced-drip")
            #expect(json["output_tokens_bound"] == 100)
            let inputBound = try #require(json["input_tokens_bound"]?.intValue)
            let estimate = try #require(Self.number("estimate_usd", in: String(buffer: preview.body)))
            // $1 per 1M input tokens, $2 per 1M output tokens
            #expect(estimate == (Decimal(inputBound) + 200) / 1_000_000)
            // Nothing was called, reserved or metered.
            #expect(gateway.mock.total == before)
            #expect(try await gateway.send(.get, "/v1/budget", bearer: key).json()["team"]?["reserved_usd"] == 0)

            // The real call (a slow stream, on a connection of its own) holds exactly that while it
            // runs: once the mock has the call, admission is done and the stream drips for 1.2 s.
            let call = Task { try await gateway.concurrentChats(key: key, body: body, count: 1) }
            try await gateway.waitForMock("the call") { $0.total > before }
            let budget = String(buffer: try await gateway.send(.get, "/v1/budget", bearer: key).body)
            #expect(Self.number("reserved_usd", in: budget) == estimate)
            #expect(try await call.value.first?.status == 200)
        }
    }

    @Test func aPreviewSaysDowngradeOrRejectAsTheCallWouldBe() async throws {
        try await GatewayHarness.run { gateway in
            let frugal = try await gateway.admin(.post, "/admin/teams", [
                "name": "frugal", "monthly_budget_usd": 1, "soft_budget_usd": 0, "downgrade": ["priced-drip": "priced-ok"],
            ])
            let frugalID = try #require(try frugal.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let (_, frugalKey) = try await gateway.createKey(team: frugalID)
            let downgrade = try await gateway.send(.post, "/v1/cost/estimate", bearer: frugalKey,
                                                   body: #"{"model": "priced-drip", "messages": [{"role": "user", "content": "hi"}]}"#).json()
            #expect(downgrade["decision"] == "downgrade" && downgrade["served_model"] == "priced-ok")
            #expect(downgrade["reason"]?.stringValue?.contains("soft limit") == true)

            let poor = try await gateway.createTeam(budget: .string("0.000001"))
            let (_, poorKey) = try await gateway.createKey(team: poor)
            let reject = try await gateway.send(.post, "/v1/cost/estimate", bearer: poorKey,
                                                body: #"{"model": "priced-ok", "messages": [{"role": "user", "content": "hi"}]}"#).json()
            #expect(reject["decision"] == "reject")
            #expect(reject["reason"]?.stringValue?.contains("Budget exceeded for team") == true)
            let real = try await gateway.chat(key: poorKey, ["model": "priced-ok", "messages": [Self.hi]])
            #expect(real.status == .tooManyRequests)

            // An unpriced model: no estimate; refused for a budgeted key, allowed otherwise.
            let unpriced = try await gateway.send(.post, "/v1/cost/estimate", bearer: poorKey,
                                                  body: #"{"model": "openai/gpt-unpriced", "messages": [{"role": "user", "content": "hi"}]}"#).json()
            #expect(unpriced["estimate_usd"] == .null && unpriced["decision"] == "reject")
            let (_, freeKey) = try await gateway.makeCaller()
            let free = try await gateway.send(.post, "/v1/cost/estimate", bearer: freeKey,
                                              body: #"{"model": "openai/gpt-unpriced", "messages": [{"role": "user", "content": "hi"}]}"#).json()
            #expect(free["estimate_usd"] == .null && free["decision"] == "allow")
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func badPreviewsGetTheSameErrorsAsCalls() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for (body, status) in [
                (#"{"model": "priced-ok"}"#, HTTPResponse.Status.badRequest),
                (#"not json"#, .badRequest),
                (#"{"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}"#, .notFound),
                (#"{"model": "priced-retired", "messages": [{"role": "user", "content": "hi"}]}"#, .notFound),
                (#"{"model": "priced-tiers", "service_tier": "scale", "messages": [{"role": "user", "content": "hi"}]}"#, .badRequest),
                (#"{"model": "priced-ok", "max_tokens": 5000, "messages": [{"role": "user", "content": "hi"}]}"#, .badRequest),
            ] {
                let response = try await gateway.send(.post, "/v1/cost/estimate", bearer: key, body: body)
                #expect(response.status == status, "\(body)")
                #expect(try response.errorBody()["message"] != nil)
            }
            #expect(try await gateway.send(.post, "/v1/cost/estimate", bearer: "tg-bad", body: "{}").status == .unauthorized)
        }
    }
}
