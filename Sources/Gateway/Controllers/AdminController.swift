import Foundation
import Governance
import Hummingbird

/// The admin API: teams, keys and spend, behind the admin key.
struct AdminController {
    let teams: any TeamStore
    let keys: any KeyStore
    let cache: PrincipalCache
    let reporter: SpendReporter
    let maxBodyBytes: Int

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("teams", use: createTeam)
        group.get("teams", use: listTeams)
        group.get("teams/:id", use: getTeam)
        group.patch("teams/:id", use: updateTeam)
        group.post("keys", use: createKey)
        group.get("keys", use: listKeys)
        group.delete("keys/:id", use: revokeKey)
        group.get("spend") { request, _ in try await reporter.report(for: request, forcedTeam: nil) }
    }

    @Sendable func createTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let body = try JSONBody.decode(TeamRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        guard let name = body.name else {
            throw GatewayError.invalidRequest("Missing required parameter: 'name'.", param: "name")
        }
        try validate(body.changes)
        do {
            let team = try await teams.createTeam(name: name, changes: body.changes)
            return try JSONBody.response(TeamView(team), status: .created)
        } catch let error as GovernanceError where error.isConflict {
            throw GatewayError.conflict(error.description)
        }
    }

    @Sendable func listTeams(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        try JSONBody.response(ListView(data: try await teams.teams().map(TeamView.init)))
    }

    @Sendable func getTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let team = try await teams.team(id: id) else { throw GatewayError.notFound("No team with id \(id).") }
        return try JSONBody.response(TeamView(team))
    }

    @Sendable func updateTeam(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let body = try JSONBody.decode(TeamRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        try validate(body.changes)
        do {
            guard let team = try await teams.updateTeam(id: id, changes: body.changes) else {
                throw GatewayError.notFound("No team with id \(id).")
            }
            cache.invalidate(teamID: id)
            return try JSONBody.response(TeamView(team))
        } catch let error as GovernanceError where error.isConflict {
            throw GatewayError.conflict(error.description)
        }
    }

    @Sendable func createKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let body = try JSONBody.decode(KeyRequest.self, from: try await request.collectBody(limit: maxBodyBytes))
        let newKey = NewAPIKey(teamID: body.team_id, name: body.name, models: body.models,
                               monthlyBudget: body.monthly_budget_usd, expiresAt: body.expires_at)
        do {
            try newKey.validate()
        } catch {
            throw GatewayError.invalidRequest(error.description, param: error.field)
        }
        let secret = APIKeySecret.generate()
        do {
            let key = try await keys.createKey(newKey, prefix: APIKeySecret.prefix(of: secret), secretHash: APIKeySecret.hash(secret))
            context.logger.info("created API key", metadata: [LogKey.key: "\(key.id)", LogKey.team: "\(key.teamID)"])
            return try JSONBody.response(KeyView(key, secret: secret), status: .created)
        } catch let error as GovernanceError where error.isNotFound {
            throw GatewayError.invalidRequest(error.description, param: "team_id", code: "team_not_found")
        }
    }

    @Sendable func listKeys(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        var teamID: UUID?
        if let text = request.uri.queryParameters.get("team_id") {
            guard let id = UUID(uuidString: text) else {
                throw GatewayError.invalidRequest("'team_id' is not a UUID.", param: "team_id")
            }
            teamID = id
        }
        return try JSONBody.response(ListView(data: try await keys.keys(teamID: teamID).map { KeyView($0) }))
    }

    @Sendable func revokeKey(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let key = try await keys.revokeKey(id: id) else { throw GatewayError.notFound("No API key with id \(id).") }
        cache.invalidate(keyID: id)
        context.logger.info("revoked API key", metadata: [LogKey.key: "\(id)"])
        return try JSONBody.response(KeyView(key))
    }

    private func validate(_ changes: TeamChanges) throws {
        do {
            try changes.validate()
        } catch {
            throw GatewayError.invalidRequest(error.description, param: error.field)
        }
    }

    static func id(_ context: TollgateRequestContext) throws -> UUID {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text) else {
            throw GatewayError.notFound("'\(text)' is not a valid id.")
        }
        return id
    }
}
