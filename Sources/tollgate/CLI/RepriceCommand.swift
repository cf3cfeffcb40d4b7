import ArgumentParser

/// `tollgate reprice`: applies the prices in force to one model's stored usage in a range
/// (`POST /admin/reprice`); `--dry-run` only prints what would change.
struct RepriceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprice",
        abstract: "Recompute the cost of a model's stored usage under the prices in force (POST /admin/reprice).",
        discussion: "Post a corrected price first (tollgate pricing add), check with --dry-run, then apply. Each applied reprice is listed by GET /admin/adjustments.")
    @OptionGroup var admin: AdminOptions
    @Option(help: "The served model whose usage is repriced.") var model: String
    @Option(help: "Start, inclusive: YYYY-MM-DD (UTC) or RFC 3339.") var from: String
    @Option(help: "End, exclusive: YYYY-MM-DD (UTC) or RFC 3339.") var to: String
    @Flag(name: .customLong("dry-run"), help: "Only print what would change.") var dryRun = false

    func run() async throws {
        try await admin.call(.POST, "/admin/reprice", body: ["model": model, "from": from, "to": to, "dry_run": dryRun])
    }
}
