import Foundation
import Gateway
import HTTPTypes
import Metering
import OpenAIWire
import Pricing
import Testing
import TollgateTestSupport

/// The December 2026 catalogue as a gateway serves it: these tests run on `pricing/` as compiled
/// in (no frozen test copy on top), so they follow the catalogue the binary ships.
@Suite struct CatalogueGatewayTests {
    /// The gateway with the built-in catalogue only.
    static func run(extraProviders: String = "", _ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
        try await GatewayHarness.run(extraProviders: extraProviders, configure: { $0.pricingDirectory = nil }, body)
    }

    @Test func aRetiredClaudeModelNamesAPricedReplacementThatServes() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["monthly_budget_usd": 10])
            let before = gateway.mock.total
            let retired = try await gateway.chat(key: key, ["model": "claude-sonnet-4-5", "messages": [["role": "user", "content": "hi"]]])
            #expect(retired.status == .notFound)
            let error = try retired.errorBody()
            #expect(error["code"] == "model_retired")
            #expect(error["message"]?.stringValue?.contains("2026-11-30") == true)
            #expect(error["message"]?.stringValue?.contains("'claude-sonnet-5-5'") == true)
            #expect(gateway.mock.total == before)
            // The replacement is priced, so a budgeted key is served by it.
            let served = try await gateway.chat(key: key, ["model": "claude-sonnet-5-5", "messages": [["role": "user", "content": "hi"]]])
            #expect(served.status == .ok)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.servedModel == "claude-sonnet-5-5" && row.cost != nil)
        }
    }

    /// A Flex and a priority request on GPT-6.2 Sol, billed at the tier served. The mock counts
    /// one token per word: the prompt is 3 tokens (2 words + 1 per message) and the answer 12.
    @Test func flexAndPriorityRequestsAreBilledAtTheirTier() async throws {
        try await Self.run { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["monthly_budget_usd": 10])
            for tier in ["flex", "priority"] {
                let response = try await gateway.chat(key: key, [
                    "model": "gpt-6.2-sol", "service_tier": .string(tier), "messages": [["role": "user", "content": "hello there"]],
                ])
                #expect(response.status == .ok)
            }
            let rows = try await gateway.usageRows()
            let byTier = Dictionary(uniqueKeysWithValues: rows.map { ($0.serviceTier ?? "none", $0) })
            #expect(byTier["flex"]?.uncachedInput == 3 && byTier["flex"]?.output == 12)
            // flex: 3 × 1.00 + 12 × 5.00 = 63 per 1M; priority: 3 × 4.00 + 12 × 20.00 = 252 per 1M.
            #expect(byTier["flex"]?.cost == "0.000063000000")
            #expect(byTier["priority"]?.cost == "0.000252000000")
        }
    }

    /// A request for the 12-hour prompt cache: the writes the upstream reports are billed at the
    /// 12-hour rate ($5.00 on GPT-6.2 Sol), and a model without one refuses the request.
    @Test func twelveHourCacheWritesAreBilledAtTheirRate() async throws {
        let provider = """
              - name: mock-cw
                base_url: {mock}
                models: [{name: gpt-6.2-sol, upstream: gpt-6.2-sol-cache-write}, {name: gpt-6.1-sol, upstream: gpt-6.1-sol-cache-write}]
            """
        try await Self.run(extraProviders: provider) { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["monthly_budget_usd": 10])
            let messages: JSONValue = [["role": "system", "content": "be brief"], ["role": "user", "content": "hello there"]]
            let response = try await gateway.chat(key: key, ["model": "gpt-6.2-sol", "prompt_cache_options": ["ttl": "12h"], "messages": messages])
            #expect(response.status == .ok)
            let row = try #require(try await gateway.usageRows().first)
            // Prompt 6 tokens: 2 cached (the system words), 4 written for 12 hours; 12 output.
            #expect((row.cacheRead, row.cacheWrite, row.cacheWrite1h, row.uncachedInput) == (2, 0, 4, 0))
            // 2 × 0.10 + 4 × 5.00 + 12 × 10.00 = 140.2 per 1M.
            #expect(row.cost == "0.000140200000")
            // GPT-6.1 Sol publishes no 12-hour rate: refused before any call, naming the option.
            let before = gateway.mock.total
            let refused = try await gateway.chat(key: key, ["model": "gpt-6.1-sol", "prompt_cache_options": ["ttl": "12h"], "messages": messages])
            #expect(refused.status == .badRequest)
            #expect(try refused.errorBody()["code"] == "unpriced_option")
            #expect(try refused.errorBody()["param"] == "prompt_cache_options")
            #expect(gateway.mock.total == before)
        }
    }

    /// GPT-5.6 Luna's history repriced: calls before OpenAI's 2026-07-30 cut at $1.00 / $6.00,
    /// calls from it at $0.20 / $1.20.
    @Test func gpt56LunaIsRepricedAcrossItsCut() async throws {
        try await Self.run { gateway in
            let team = try await gateway.createTeam()
            let key = try await gateway.createKey(team: team)
            let times = ["before": "2026-07-29T12:00:00Z", "after": "2026-07-31T12:00:00Z"]
            for (name, time) in times {
                // Recorded at the one price the catalogue used to have: $0.20 / $1.20.
                gateway.recorder.record(UsageEvent(
                    requestID: "req_luna_\(name)", time: try Date(time, strategy: .iso8601), teamID: team, keyID: key.id, task: "t",
                    requestedModel: "gpt-5.6-luna", servedModel: "gpt-5.6-luna", provider: "openai",
                    usage: TokenUsage(uncachedInput: 100_000, output: 100_000), cost: Money("0.14")!, status: 200,
                    latencyMilliseconds: 1, streamed: false))
            }
            try await gateway.flushUsage()
            let repriced = try await gateway.admin(.post, "/admin/reprice", [
                "model": "gpt-5.6-luna", "from": "2026-07-01T00:00:00Z", "to": "2026-09-01T00:00:00Z",
            ])
            #expect(repriced.status == .ok)
            let body = try repriced.json()
            #expect(body["events"] == 2)
            // Before the cut: 100,000 × 1.00 + 100,000 × 6.00 = 0.70, not 0.14; after it, unchanged.
            #expect(body["delta_usd"] == .number(0.56))
            let costs = Dictionary(uniqueKeysWithValues: try await gateway.usageRows().map { ($0.requestID, $0.cost) })
            #expect(costs["req_luna_before"] == "0.700000000000")
            #expect(costs["req_luna_after"] == "0.140000000000")
        }
    }

    @Test func theAdminPriceListSaysWhenEachProviderWasChecked() async throws {
        try await Self.run { gateway in
            let list = try await gateway.admin(.get, "/admin/prices").json()
            let catalogue = list["catalogue"]?.arrayValue ?? []
            #expect(Set(catalogue.compactMap { $0["provider"]?.stringValue }) == ["anthropic", "gemini", "openai", "qwen"])
            for file in catalogue {
                #expect(file["checked"]?.stringValue.flatMap(PriceEntry.parseDay) != nil)
                #expect(file["source"]?.stringValue?.hasPrefix("https://") == true)
            }
        }
    }
}
