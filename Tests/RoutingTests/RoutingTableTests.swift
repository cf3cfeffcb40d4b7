import Routing
import Testing

@Suite struct RoutingTableTests {
    static let table = RoutingTable(
        aliases: ["fast": "gpt-4o-mini", "smart": "claude-sonnet-4-6", "quick": "fast"],
        routes: ["reasoning": ["smart", "gpt-4o"], "cheap_summary": ["qwen-plus", "gemini-2.5-flash-lite"], "default": ["fast"]],
        fallbacks: ["gpt-4o": ["claude-sonnet-4-6", "gemini-2.5-pro"], "smart": ["gpt-4o"]])

    @Test func aNamedModelIsTriedDirectlyThenItsFallbacks() throws {
        #expect(try Self.table.plan(model: "gpt-4o", task: "default") ==
            RoutePlan(route: "direct", models: ["gpt-4o", "claude-sonnet-4-6", "gemini-2.5-pro"]))
        #expect(try Self.table.plan(model: "openai/gpt-5", task: "x") == RoutePlan(route: "direct", models: ["openai/gpt-5"]))
    }

    @Test func anAliasStandsForItsModelAndNamesTheRoute() throws {
        #expect(try Self.table.plan(model: "fast", task: "default") == RoutePlan(route: "fast", models: ["gpt-4o-mini"]))
        // Chains are followed; the route is the name asked for.
        #expect(try Self.table.plan(model: "quick", task: "default") == RoutePlan(route: "quick", models: ["gpt-4o-mini"]))
    }

    @Test func autoTakesTheTasksRouteElseTheDefault() throws {
        // smart → claude-sonnet-4-6, its fallback gpt-4o (listed next anyway, once), then gpt-4o's.
        #expect(try Self.table.plan(model: "auto", task: "reasoning") ==
            RoutePlan(route: "reasoning", models: ["claude-sonnet-4-6", "gpt-4o", "gemini-2.5-pro"]))
        #expect(try Self.table.plan(model: nil, task: "cheap_summary") ==
            RoutePlan(route: "cheap_summary", models: ["qwen-plus", "gemini-2.5-flash-lite"]))
        #expect(try Self.table.plan(model: "", task: "unknown-task") == RoutePlan(route: "default", models: ["gpt-4o-mini"]))
    }

    @Test func aTeamsRoutesOverrideTheConfigurations() throws {
        let team = ["cheap_summary": ["fast"], "default": ["qwen-flash"]]
        #expect(try Self.table.plan(model: "auto", task: "cheap_summary", teamRoutes: team) ==
            RoutePlan(route: "cheap_summary", models: ["gpt-4o-mini"]))
        #expect(try Self.table.plan(model: "auto", task: "other", teamRoutes: team) == RoutePlan(route: "default", models: ["qwen-flash"]))
        // A route the team does not override is the configuration's.
        #expect(try Self.table.plan(model: "auto", task: "reasoning", teamRoutes: team).route == "reasoning")
    }

    @Test func autoWithoutAnyRouteIsAnError() {
        #expect(throws: RoutingError.self) { try RoutingTable().plan(model: "auto", task: "x") }
    }

    @Test(arguments: [
        (RoutingTable(aliases: ["a": "b", "b": "a"]), "aliases.a"),
        (RoutingTable(aliases: ["auto": "gpt-4o"]), "aliases.auto"),
        (RoutingTable(aliases: ["a/b": "gpt-4o"]), "aliases.a/b"),
        (RoutingTable(routes: ["reasoning": []]), "routes.reasoning"),
        (RoutingTable(routes: ["reasoning": ["gpt-4o", ""]]), "routes.reasoning[1]"),
        (RoutingTable(fallbacks: ["gpt-4o": ["auto"]]), "fallbacks.gpt-4o[0]"),
        (RoutingTable(limits: RouterLimits(maxAttempts: 0)), "router.max_attempts"),
        (RoutingTable(limits: RouterLimits(deadlineSeconds: 0)), "router.deadline_seconds"),
        (RoutingTable(limits: RouterLimits(cooldownAfterFailures: 0)), "router.cooldown_after_failures"),
        (RoutingTable(limits: RouterLimits(cooldownSeconds: -1)), "router.cooldown_seconds"),
    ])
    func aBadTableSaysWhere(table: RoutingTable, place: String) {
        let error = #expect(throws: RoutingError.self) { try table.validated() }
        #expect(error?.place == place)
    }

    @Test func capabilitiesSkipCandidatesThatCannotTakeTheRequest() {
        let textOnly = ModelAbilities(maxInputTokens: 1000, images: false, tools: true)
        #expect(textOnly.refusal(of: RequestNeeds(images: true)) == "it takes no images")
        #expect(textOnly.refusal(of: RequestNeeds(tools: true, promptTokens: 1000)) == nil)
        #expect(textOnly.refusal(of: RequestNeeds(promptTokens: 1001)) != nil)
        #expect(ModelAbilities(tools: false).refusal(of: RequestNeeds(tools: true)) == "it takes no tools")
        #expect(ModelAbilities().refusal(of: RequestNeeds(images: true, tools: true, promptTokens: 10_000_000)) == nil)
    }
}
