import ArgumentParser
import Foundation
import OpenAIWire

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Print a spend report (GET /admin/spend).")
    @OptionGroup var admin: AdminOptions
    @Option(help: "Start, YYYY-MM-DD (UTC midnight) or RFC 3339; default: this month's start.") var from: String?
    @Option(help: "End (exclusive); default: next month's start.") var to: String?
    @Option(name: .customLong("group-by"), help: "Comma-separated: team,key,model,task,day,provider,route,end_user,run.") var groupBy: String?
    @Option(name: .customLong("team"), help: "Only this team: its name or id.") var team: String?
    @Option(name: .customLong("team-id"), help: "Only this team (its id).") var teamID: String?
    @Option(name: .customLong("end-user"), help: "Only calls made for this end user.") var endUser: String?
    @Option(name: .customLong("run"), help: "Only calls of this run (X-Tollgate-Run).") var runName: String?

    func run() async throws {
        var team = teamID
        if team == nil, let named = self.team { team = try await resolve(named) }
        var items = URLComponents()
        items.queryItems = [("from", from), ("to", to), ("group_by", groupBy), ("team_id", team), ("end_user", endUser), ("run", runName)]
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        let query = items.percentEncodedQuery.map { "?" + $0 } ?? ""
        try await admin.call(.GET, "/admin/spend" + query) { report in
            let groups = report["group_by"]?.arrayValue?.compactMap(\.stringValue) ?? []
            var totals = report["totals"]?.objectValue ?? [:]
            if let first = groups.first { totals[first] = "total" }
            let period = "\(Table.text(report["from"])) to \(Table.text(report["to"])) (USD)"
            return period + "\n\n" + Table.report(groupBy: groups).render(report["rows"]?.arrayValue ?? [], footer: .object(totals))
        }
    }

    /// A team given by name or id, as its id.
    func resolve(_ team: String) async throws -> String {
        if UUID(uuidString: team) != nil { return team }
        let teams = try JSONParser.parse(try await admin.fetch(.GET, "/admin/teams"))["data"]?.arrayValue ?? []
        guard let id = teams.first(where: { $0["name"]?.stringValue == team })?["id"]?.stringValue else {
            throw ValidationError("no team named '\(team)'")
        }
        return id
    }
}

