import Foundation
import Pricing
import Routing
import Testing
@testable import Gateway

/// The routing part of `tollgate.yaml`: what it reads, and where it says a file is wrong.
@Suite struct RoutingConfigurationTests {
    static func load(_ yaml: String, environment: [String: String] = [:]) throws -> RoutingSetup {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("routing-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try RoutingSetup.load(environment: environment, configFile: file)
    }

    @Test func theSampleConfigurationLoads() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/tollgate.yaml").path
        var environment: [String: String] = [:]
        for variable in ["DEEPSEEK_API_KEY", "MISTRAL_API_KEY", "GROQ_API_KEY", "TOGETHER_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_BATCH_API_KEY"] {
            environment[variable] = "k"
        }
        let setup = try RoutingSetup.load(environment: environment, configFile: sample)
        #expect(setup.table.aliases["fast"] == "gpt-6-luna")
        #expect(try setup.table.plan(model: "auto", task: "reasoning").models == ["claude-sonnet-4-6", "gpt-6-sol", "gemini-3.8-flash"])
        #expect(setup.table.limits == RouterLimits(maxAttempts: 3, deadlineSeconds: 60, cooldownAfterFailures: 3, cooldownSeconds: 30))
    }

    @Test func providersListingOneModelShareItByWeight() throws {
        let setup = try Self.load("""
            providers:
              - name: east
                base_url: http://127.0.0.1:9/v1
                models: [gpt-4o-mini]
                weight: 3
              - name: west
                base_url: http://127.0.0.1:10/v1
                models: [gpt-4o-mini]
            """)
        guard case .served(let deployments) = setup.catalog.resolve("gpt-4o-mini", prices: PriceTable([])) else {
            Issue.record("gpt-4o-mini is not served")
            return
        }
        #expect(deployments.map(\.id) == ["east/gpt-4o-mini", "west/gpt-4o-mini"])
        #expect(deployments.map(\.weight) == [3, 1])
        #expect(setup.table == RoutingTable())
    }

    @Test(arguments: [
        ("routes:\n  reasoning: []\n", "routes.reasoning"),
        ("aliases:\n  a: b\n  b: a\n", "aliases.a"),
        ("router:\n  max_attempts: 0\n", "router.max_attempts"),
        ("fallbacks:\n  gpt-4o: [auto]\n", "fallbacks.gpt-4o[0]"),
        ("providers:\n  - name: p\n    base_url: http://127.0.0.1:9/v1\n    weight: 0\n", "weight 0"),
        ("providers:\n  - name: p\n    base_url: http://127.0.0.1:9/v1\n  - name: p\n    base_url: http://127.0.0.1:9/v1\n", "listed twice"),
    ])
    func aFileThatDoesNotValidateSaysWhere(yaml: String, place: String) {
        let error = #expect(throws: ConfigurationError.self) { try Self.load(yaml) }
        #expect(error?.description.contains(place) == true, "\(error?.description ?? "")")
    }
}
