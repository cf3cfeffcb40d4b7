import ArgumentParser
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Print a spend report (GET /admin/spend).")
    @OptionGroup var admin: AdminOptions
    @Option(help: "Start, YYYY-MM-DD (UTC midnight) or RFC 3339; default: this month's start.") var from: String?
    @Option(help: "End (exclusive); default: next month's start.") var to: String?
    @Option(name: .customLong("group-by"), help: "Comma-separated: team,key,model,task,day,provider,route,end_user,run.") var groupBy: String?
    @Option(name: .customLong("team-id"), help: "Only this team.") var teamID: String?
    @Option(name: .customLong("end-user"), help: "Only calls made for this end user.") var endUser: String?
    @Option(name: .customLong("run"), help: "Only calls of this run (X-Tollgate-Run).") var runName: String?

    func run() async throws {
        var items = URLComponents()
        items.queryItems = [("from", from), ("to", to), ("group_by", groupBy), ("team_id", teamID), ("end_user", endUser), ("run", runName)]
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        let query = items.percentEncodedQuery.map { "?" + $0 } ?? ""
        try await admin.call(.GET, "/admin/spend" + query)
    }
}
