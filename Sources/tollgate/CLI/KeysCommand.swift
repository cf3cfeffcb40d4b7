import ArgumentParser

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke team API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed only now.")
        @OptionGroup var admin: AdminOptions
        @Option(name: .customLong("team-id"), help: "The team's id.") var teamID: String
        @Option(help: "A name for the key, e.g. the app using it.") var name: String
        @Option(help: "Comma-separated models the key may use (default: all).") var models: String?
        @Option(name: .customLong("monthly-budget"), help: "The key's own hard monthly limit in USD.") var monthlyBudget: String?
        @Option(name: .customLong("end-user-budget"), help: "A hard monthly limit in USD for each end user of the key.")
        var endUserBudget: String?
        @Option(name: .customLong("expires-at"), help: "Expiry, RFC 3339 or YYYY-MM-DD.") var expiresAt: String?

        func run() async throws {
            var body: [String: Any] = ["team_id": teamID, "name": name]
            if let models { body["models"] = models.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            if let monthlyBudget { body["monthly_budget_usd"] = try decimalAmount(monthlyBudget, "--monthly-budget") }
            if let endUserBudget { body["end_user_monthly_budget_usd"] = try decimalAmount(endUserBudget, "--end-user-budget") }
            if let expiresAt { body["expires_at"] = expiresAt }
            try await admin.call(.POST, "/admin/keys", body: body)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var admin: AdminOptions
        @Option(name: .customLong("team-id"), help: "Only this team's keys.") var teamID: String?

        func run() async throws {
            try await admin.call(.GET, "/admin/keys" + (teamID.map { "?team_id=\($0)" } ?? "")) { Table.keys.render($0["data"]?.arrayValue ?? []) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it stops working at once.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            try await admin.call(.DELETE, "/admin/keys/\(id)")
        }
    }
}
