import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport
@testable import Gateway

/// Billing rules end to end: what the upstream reports (service tier, 1-hour cache writes) and
/// what the request asks for (a long prompt) decide the rates, and an option the price cannot
/// express is refused before any upstream is called. Prices: `TestPostgres.billingRuleEntries`.
@Suite struct BillingRuleGatewayTests {
    static let user: JSONValue = ["role": "user", "content": "hello there"]

    @Test func theServiceTierTheUpstreamReportsSetsTheRates() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let priority = try await gateway.chat(key: key, ["model": "priced-tiers", "service_tier": "priority", "messages": [Self.user]])
            #expect(priority.status == .ok)
            #expect(try priority.json()["service_tier"] == "priority")
            // 3 prompt tokens × $2 + 12 output × $4 = 54 per 1M
            #expect(String(buffer: priority.body).contains("\"cost\":0.000054"))
            let flex = try await gateway.chat(key: key, [
                "model": "priced-tiers", "service_tier": "flex", "stream": true, "messages": [Self.user],
                "stream_options": ["include_usage": true],
            ])
            #expect(flex.status == .ok)
            let standard = try await gateway.chat(key: key, ["model": "priced-tiers", "messages": [Self.user]])
            #expect(standard.status == .ok)
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.serviceTier) == ["priority", "flex", "default"])
            // flex: 3 × 0.50 + 12 × 1.00 = 13.5; standard: 3 × 1 + 12 × 2 = 27 (per 1M)
            #expect(rows.map(\.cost) == ["0.000054000000", "0.000013500000", "0.000027000000"])
        }
    }

    @Test func anUnreportedTierIsBilledAtTheDearerOfStandardAndTheOneAskedFor() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            for tier in ["flex", "priority"] {
                let response = try await gateway.chat(key: key, ["model": "priced-tiers-hidden", "service_tier": .string(tier), "messages": [Self.user]])
                #expect(response.status == .ok)
                #expect(try response.json()["service_tier"] ?? .null == .null)
            }
            let rows = try await gateway.usageRows()
            // flex asked, tier unknown: the standard rates (3 × 1 + 12 × 2 = 27), not flex's 13.5;
            // priority asked: priority's (3 × 2 + 12 × 4 = 54).
            #expect(rows.map(\.cost) == ["0.000027000000", "0.000054000000"])
            #expect(rows.map(\.serviceTier) == [nil, "priority"])
        }
    }

    @Test func aPromptAboveABandIsBilledWhollyAtItsRates() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let words = (1...60).map { "w\($0)" }.joined(separator: " ")
            let response = try await gateway.chat(key: key, ["model": "priced-tiers", "messages": [["role": "user", "content": .string(words)]]])
            #expect(response.status == .ok)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.uncachedInput == 61)
            // 61 prompt tokens (over 50) × $3 + 12 × $6 = 255 per 1M
            #expect(row.cost == "0.000255000000")
        }
    }

    @Test func oneHourCacheWritesArePricedApart() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "claude-priced", "messages": [
                ["role": "system", "content": "be brief please"],
                ["role": "user", "content": [
                    ["type": "text", "text": "long shared context", "cache_control": ["type": "ephemeral", "ttl": "1h"]],
                    ["type": "text", "text": "question"],
                ]],
            ]])
            #expect(response.status == .ok)
            let details = try response.json()["usage"]?["prompt_tokens_details"]
            #expect(details?["cache_write_tokens"] == 3 && details?["cache_write_1h_tokens"] == 3)
            let row = try #require(try await gateway.usageRows().first)
            #expect((row.uncachedInput, row.cacheRead, row.cacheWrite, row.cacheWrite1h, row.output) == (2, 3, 0, 3, 12))
            // Anthropic's `standard` tier, in OpenAI's terms as the answer reports it.
            #expect(row.serviceTier == "default")
            #expect(try response.json()["service_tier"] == "default")
            // 2 × 3.00 + 3 × 0.30 + 3 × 6.00 (1-hour) + 12 × 15.00 = 204.9 per 1M
            #expect(row.cost == "0.000204900000")
        }
    }

    @Test func anOptionThePriceCannotExpressIsRefusedBeforeTheUpstream() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let before = gateway.mock.total
            let scale = try await gateway.chat(key: key, ["model": "priced-tiers", "service_tier": "scale", "messages": [Self.user]])
            #expect(scale.status == .badRequest)
            #expect(try scale.errorBody()["code"] == "unpriced_option")
            #expect(try scale.errorBody()["param"] == "service_tier")
            let oneHour = try await gateway.chat(key: key, ["model": "claude-priced-no-1h", "messages": [
                ["role": "user", "content": [["type": "text", "text": "context", "cache_control": ["type": "ephemeral", "ttl": "1h"]]]],
            ]])
            #expect(oneHour.status == .badRequest)
            #expect(try oneHour.errorBody()["code"] == "unpriced_option")
            let wrongType = try await gateway.chat(key: key, ["model": "priced-tiers", "service_tier": 3, "messages": [Self.user]])
            #expect(wrongType.status == .badRequest)
            #expect(gateway.mock.total == before)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func aNegotiatedMultiplierAppliesExactlyToEveryCost() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "mock-discount/priced-ok", "messages": [Self.user]])
            #expect(response.status == .ok)
            // priced-ok at $1 / $2: (3 × 1 + 12 × 2) = 27 per 1M, × 0.85 = 22.95 per 1M
            #expect(String(buffer: response.body).contains("\"cost\":0.00002295"))
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.provider == "mock-discount" && row.cost == "0.000022950000")
        }
    }

    @Test func aMultiplierMustBeAPlainPositiveDecimal() throws {
        for bad in ["0", "-1", "abc", "1e-3", "0.1234567", "101"] {
            #expect(throws: ConfigurationError.self) {
                _ = try ProviderCatalog.providers(of: ProviderCatalog.decode(yaml: """
                    providers:
                      - name: p
                        base_url: http://127.0.0.1:9/v1
                        price_multiplier: "\(bad)"
                    """), environment: [:])
            }
        }
    }
}
