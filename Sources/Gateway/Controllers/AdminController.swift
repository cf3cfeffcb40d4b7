import Foundation
import Governance
import Hummingbird

/// The admin API: teams, keys, budgets and spend, behind the admin key.
struct AdminController {
    let teams: any TeamStore
    let keys: any KeyStore
    let cache: PrincipalCache
    let budgets: BudgetService
    let reporter: SpendReporter
    /// Whether the gateway prices a model and serves it (for downgrade maps: a downgrade is a
    /// budget decision, so both of its models need a price).
    let isKnownModel: @Sendable (String) -> Bool
    /// What is wrong with a team's routes under the routing configuration in force, or nil.
    let checkRoutes: @Sendable ([String: [String]]) -> String?
    let maxBodyBytes: Int
    /// Whether alert webhooks may point at loopback, link-local and private addresses.
    var allowPrivateWebhooks = false

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("teams", use: createTeam)
        group.get("teams", use: listTeams)
        group.get("teams/:id", use: getTeam)
        group.patch("teams/:id", use: updateTeam)
        group.post("keys", use: createKey)
        group.get("keys", use: listKeys)
        group.get("keys/:id", use: getKey)
        group.patch("keys/:id", use: updateKey)
        group.delete("keys/:id", use: revokeKey)
        group.get("spend") { request, _ in try await reporter.report(for: request, forcedTeam: nil) }
        group.get("spend/focus") { request, _ in try await reporter.focus(for: request) }
    }

    // MARK: Teams

    @Sendable func createTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let changes = try JSONBody.decode(TeamRequest.self, from: try await request.collectBody(limit: maxBodyBytes)).changes
        guard let name = changes.name else {
            throw GatewayError.invalidRequest("Missing required parameter: 'name'.", param: "name")
        }
        try validate(changes)
        do {
            let team = try await teams.createTeam(name: name, changes: changes)
            return try JSONBody.response(try await view(team), status: .created)
        } catch let error as GovernanceError where error.isConflict {
            throw GatewayError.conflict(error.description)
        }
    }

    @Sendable func listTeams(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        var views: [TeamView] = []
        for team in try await teams.teams() { views.append(try await view(team)) }
        return try JSONBody.response(ListView(data: views))
    }

    @Sendable func getTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let team = try await teams.team(id: id) else { throw GatewayError.notFound("No team with id \(id).") }
        return try JSONBody.response(try await view(team))
    }

    @Sendable func updateTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let changes = try JSONBody.decode(TeamRequest.self, from: try await request.collectBody(limit: maxBodyBytes)).changes
        try validate(changes)
        do {
            let before = try await teams.team(id: id)
            if before != nil, changes.budgetTimeZone != nil {
                // What this replica has spent must be written before it is carried over.
                try? await reporter.recorder.flush()
            }
            guard let team = try await teams.updateTeam(id: id, changes: changes) else {
                throw GatewayError.notFound("No team with id \(id).")
            }
            cache.invalidate(teamID: id)
            if let before, before.timeZone != team.timeZone {
                try await budgets.carrySpend(teamID: id, from: before.timeZone, to: team.timeZone)
            }
            return try JSONBody.response(try await view(team))
        } catch let error as GovernanceError where error.isConflict {
            throw GatewayError.conflict(error.description)
        }
    }

    private func view(_ team: Team) async throws -> TeamView {
        TeamView(team: team, budget: try await budgets.teamStatus(team))
    }

    private func validate(_ changes: TeamChanges) throws {
        do {
            try changes.validate()
        } catch {
            throw GatewayError.invalidRequest(error.description, param: error.field)
        }
        if !allowPrivateWebhooks, case .some(.some(let url)) = changes.alertWebhookURL,
           let host = URL(string: url)?.host, PrivateAddress.isPrivate(host: host) {
            throw GatewayError.invalidRequest(
                "'alert_webhook_url' points at a loopback, link-local or private address; the gateway posts only to public hosts unless started with --allow-private-webhooks.",
                param: "alert_webhook_url")
        }
        if case .some(.some(let routes)) = changes.routes, let problem = checkRoutes(routes) {
            throw GatewayError.invalidRequest("'routes' is not usable: \(problem)", param: "routes")
        }
        for (from, to) in changes.downgrades ?? [:] {
            for model in [from, to] where !isKnownModel(model) {
                throw GatewayError.invalidRequest(
                    "'downgrade' names the model '\(model)', which this gateway does not price or serve: use priced models it serves.", param: "downgrade")
            }
        }
    }

    // MARK: Keys

    @Sendable func createKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let body = try JSONBody.decode(KeyRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        let newKey = try body.newKey()
        do {
            try newKey.validate()
        } catch {
            throw GatewayError.invalidRequest(error.description, param: error.field)
        }
        let secret = APIKeySecret.generate()
        do {
            let key = try await keys.createKey(newKey, prefix: APIKeySecret.prefix(of: secret), secretHash: APIKeySecret.hash(secret))
            context.requestLogger.info("created API key", metadata: [LogKey.key: "\(key.id)", LogKey.team: "\(key.teamID)"])
            return try JSONBody.response(try await view(key, secret: secret), status: .created)
        } catch let error as GovernanceError where error.isNotFound {
            throw GatewayError.invalidRequest(error.description, param: "team_id", code: "team_not_found")
        }
    }

    @Sendable func listKeys(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let teamID = try request.uri.queryParameters.uuid("team_id")
        var views: [KeyView] = []
        for key in try await keys.keys(teamID: teamID) { views.append(try await view(key)) }
        return try JSONBody.response(ListView(data: views))
    }

    @Sendable func getKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let key = try await keys.key(id: id) else { throw GatewayError.notFound("No API key with id \(id).") }
        return try JSONBody.response(try await view(key))
    }

    @Sendable func updateKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let body = try JSONBody.decode(KeyRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        if body.teamID != nil {
            throw GatewayError.invalidRequest("A key cannot move to another team: create a new key instead.", param: "team_id")
        }
        do {
            try body.changes.validate()
        } catch {
            throw GatewayError.invalidRequest(error.description, param: error.field)
        }
        guard let key = try await keys.updateKey(id: id, changes: body.changes) else {
            throw GatewayError.notFound("No API key with id \(id).")
        }
        cache.invalidate(keyID: id)
        return try JSONBody.response(try await view(key))
    }

    @Sendable func revokeKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let key = try await keys.revokeKey(id: id) else { throw GatewayError.notFound("No API key with id \(id).") }
        cache.invalidate(keyID: id)
        context.requestLogger.info("revoked API key", metadata: [LogKey.key: "\(id)"])
        return try JSONBody.response(try await view(key))
    }

    /// `GET /v1/team`: the calling key's team, with its budget, and the team's keys with theirs.
    /// The alert webhook's address stays the admin's (it may carry a token).
    @Sendable func ownTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var team = try await view(principal.team)
        team.team.alertWebhookURL = nil
        var views: [KeyView] = []
        for key in try await keys.keys(teamID: principal.team.id) {
            let status = try await budgets.status(Principal(key: key, team: principal.team))
            views.append(KeyView(apiKey: key, budget: status.first { $0.kind == .key }))
        }
        return try JSONBody.response(OwnTeamView(team: team, keys: views))
    }

    /// A key with its own budget status, in its team's period.
    private func view(_ key: APIKey, secret: String? = nil) async throws -> KeyView {
        guard let team = try await teams.team(id: key.teamID) else { return KeyView(apiKey: key, secret: secret) }
        let status = try await budgets.status(Principal(key: key, team: team))
        return KeyView(apiKey: key, secret: secret, budget: status.first { $0.kind == .key })
    }

    static func id(_ context: TollgateRequestContext) throws -> UUID {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text) else {
            throw GatewayError.notFound("'\(text)' is not a valid id.")
        }
        return id
    }
}
