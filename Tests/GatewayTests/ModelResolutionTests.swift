import Foundation
import HTTPTypes
import OpenAIWire
import Pricing
import Testing
import TollgateTestSupport
@testable import Gateway

/// Which provider a requested name reaches: `provider/model` always reaches that provider, a bare
/// name goes through the catalogue, then through family prefixes; retired models are refused.
@Suite struct ModelResolutionTests {
    static let prices = PriceTable([
        ModelPrice(model: "gpt-4o", provider: "openai", input: Money("2.50")!, output: Money("10")!, effectiveFrom: Date(timeIntervalSince1970: 0)),
        ModelPrice(model: "odd-name", provider: "anthropic", input: Money("1")!, output: Money("1")!, effectiveFrom: Date(timeIntervalSince1970: 0)),
    ])

    static func catalog(keys: [String: String] = ["OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k", "GEMINI_API_KEY": "k", "DASHSCOPE_API_KEY": "k"],
                        yaml: String? = nil) throws -> ProviderCatalog {
        var file: String?
        if let yaml {
            file = FileManager.default.temporaryDirectory.appendingPathComponent("resolution-\(UUID().uuidString).yaml").path
            try yaml.write(toFile: file!, atomically: true, encoding: .utf8)
        }
        return try ProviderCatalog(environment: keys, configFile: file)
    }

    static func served(_ resolution: ProviderCatalog.Resolution) -> (String, String)? {
        guard case .served(let deployments) = resolution, let deployment = deployments.first else { return nil }
        return (deployment.provider, deployment.model)
    }

    @Test(arguments: [
        ("anthropic/claude-sonnet-9-9", "anthropic", "claude-sonnet-9-9"),
        ("openai/a-model-released-yesterday", "openai", "a-model-released-yesterday"),
        ("gemini/gemini-4-ultra", "gemini", "gemini-4-ultra"),
        ("qwen/qwen9-max", "qwen", "qwen9-max"),
        ("local/llama-4", "local", "llama-4"),
        ("local/org/model-with-slash", "local", "org/model-with-slash"),
        ("gpt-4o", "openai", "gpt-4o"),
        ("odd-name", "anthropic", "odd-name"),
        ("claude-opus-7", "anthropic", "claude-opus-7"),
        ("gemini-3.5-flash", "gemini", "gemini-3.5-flash"),
        ("gpt-6", "openai", "gpt-6"),
        ("o7-mini", "openai", "o7-mini"),
        ("text-embedding-4-small", "openai", "text-embedding-4-small"),
        ("qwen3.5-plus", "qwen", "qwen3.5-plus"),
        ("listed", "local", "listed"),
    ])
    func namesResolveToTheirProvider(name: String, provider: String, model: String) throws {
        let catalog = try Self.catalog(yaml: """
            providers:
              - name: local
                base_url: http://127.0.0.1:9/v1
                models: [listed]
            """)
        let served = try #require(Self.served(catalog.resolve(name, prices: Self.prices)))
        #expect(served.0 == provider && served.1 == model)
    }

    @Test func namesOfNoKnownFamilyOrProviderAreUnknown() throws {
        let catalog = try Self.catalog()
        #expect(catalog.resolve("llama-4", prices: Self.prices) == .unknown)
        #expect(catalog.resolve("nowhere/llama-4", prices: Self.prices) == .unknown)
        #expect(catalog.resolve("openai/", prices: Self.prices) == .unknown)
        #expect(catalog.resolve("omni", prices: Self.prices) == .unknown)
    }

    @Test func aProviderThatIsOffSaysWhichVariableSwitchesItOn() throws {
        let catalog = try Self.catalog(keys: ["OPENAI_API_KEY": "k"])
        #expect(catalog.resolve("anthropic/claude-x", prices: Self.prices) == .providerOff(provider: "anthropic", variable: "ANTHROPIC_API_KEY"))
        #expect(catalog.resolve("gemini-9", prices: Self.prices) == .providerOff(provider: "gemini", variable: "GEMINI_API_KEY"))
        #expect(catalog.resolve("odd-name", prices: Self.prices) == .providerOff(provider: "anthropic", variable: "ANTHROPIC_API_KEY"))
        #expect(catalog.models(prices: Self.prices, at: Date()) == ["gpt-4o"])
    }

    @Test func anUnpricedModelNamedByProviderIsServedAndMeteredWithANullCost() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "openai/gpt-released-yesterday", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("x-tollgate-model")!] == "gpt-released-yesterday")
            #expect(gateway.mock.lastBody?["model"] == "gpt-released-yesterday")
            let viaConfig = try await gateway.chat(key: key, ["model": "mock/anything-goes", "messages": [["role": "user", "content": "hi"]]])
            #expect(viaConfig.status == .ok)
            let rows = try await gateway.usageRows()
            #expect(rows.map(\.requestedModel) == ["openai/gpt-released-yesterday", "mock/anything-goes"])
            #expect(rows.map(\.servedModel) == ["gpt-released-yesterday", "anything-goes"])
            #expect(rows.map(\.provider) == ["openai", "mock"])
            #expect(rows.allSatisfy { $0.cost == nil })
        }
    }

    @Test func aRetiredModelIsA404NamingItsReplacementAndIsNotListed() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let before = gateway.mock.total
            let response = try await gateway.chat(key: key, ["model": "priced-retired", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .notFound)
            let error = try response.errorBody()
            #expect(error["code"] == "model_retired")
            #expect(error["param"] == "model")
            #expect(error["message"]?.stringValue?.contains("2025-01-01") == true)
            #expect(error["message"]?.stringValue?.contains("'priced-ok'") == true)
            #expect(gateway.mock.total == before)
            let models = try await gateway.send(.get, "/v1/models", bearer: key).json()
            let ids = (models["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(ids.contains("priced-ok") && !ids.contains("priced-retired"))
            #expect(try await gateway.usageRows().isEmpty)
        }
    }
}
