import ArgumentParser

struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams", abstract: "Create and list teams.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a team.")
        @OptionGroup var admin: AdminOptions
        @Option(help: "The team's unique name.") var name: String
        @Option(name: .customLong("monthly-budget"), help: "Hard monthly limit in USD.") var monthlyBudget: String?

        func run() async throws {
            var body: [String: Any] = ["name": name]
            if let monthlyBudget { body["monthly_budget_usd"] = try decimalAmount(monthlyBudget, "--monthly-budget") }
            try await admin.call(.POST, "/admin/teams", body: body)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List teams.")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await admin.call(.GET, "/admin/teams") { Table.teams.render($0["data"]?.arrayValue ?? []) }
        }
    }
}
