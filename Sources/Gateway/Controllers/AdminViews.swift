import Foundation
import Governance
import Pricing

/// Where a scope's budget stands, as the API shows it.
struct BudgetView: Encodable {
    var scope: String
    var id: UUID
    var name: String
    var monthly_budget_usd: Money?
    var soft_budget_usd: Money?
    var spent_usd: Money
    var reserved_usd: Money
    var remaining_usd: Money?
    var period_start: Date
    var resets_at: Date
    var projected_spend_usd: Money?
    var projected_exhaustion_at: Date?

    init(_ snapshot: BudgetSnapshot) {
        scope = snapshot.kind.rawValue
        id = snapshot.id
        name = snapshot.name
        monthly_budget_usd = snapshot.hardLimit
        soft_budget_usd = snapshot.softLimit
        spent_usd = snapshot.spent
        reserved_usd = snapshot.reserved
        remaining_usd = snapshot.remaining
        period_start = snapshot.period.start
        resets_at = snapshot.period.end
        projected_spend_usd = snapshot.forecast?.projectedSpend
        projected_exhaustion_at = snapshot.forecast?.exhaustionAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scope, forKey: .scope)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(monthly_budget_usd, forKey: .monthly_budget_usd)
        try container.encode(soft_budget_usd, forKey: .soft_budget_usd)
        try container.encode(spent_usd, forKey: .spent_usd)
        try container.encode(reserved_usd, forKey: .reserved_usd)
        try container.encode(remaining_usd, forKey: .remaining_usd)
        try container.encode(period_start, forKey: .period_start)
        try container.encode(resets_at, forKey: .resets_at)
        if forecasted {
            try container.encode(projected_spend_usd, forKey: .projected_spend_usd)
            try container.encode(projected_exhaustion_at, forKey: .projected_exhaustion_at)
        }
    }

    /// Views made from a status carry the forecast (null exhaustion when not projected to run out).
    var forecasted: Bool { projected_spend_usd != nil }

    enum CodingKeys: CodingKey {
        case scope, id, name, monthly_budget_usd, soft_budget_usd, spent_usd, reserved_usd, remaining_usd, period_start, resets_at
        case projected_spend_usd, projected_exhaustion_at
    }
}

/// A team as the admin API shows it, with its budget status.
struct TeamView: Encodable {
    var team: Team
    var budget: BudgetSnapshot?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(team.id, forKey: .id)
        try container.encode(team.name, forKey: .name)
        try container.encode(team.monthlyBudget, forKey: .monthly_budget_usd)
        try container.encode(team.softBudget, forKey: .soft_budget_usd)
        try container.encode(team.budgetTimeZone, forKey: .budget_timezone)
        try container.encode(team.downgrades, forKey: .downgrade)
        try container.encode(team.alertWebhookURL, forKey: .alert_webhook_url)
        try container.encode(team.routes, forKey: .routes)
        try container.encode(team.createdAt, forKey: .created_at)
        try container.encodeIfPresent(budget.map(BudgetView.init), forKey: .budget)
    }

    enum CodingKeys: CodingKey {
        case id, name, monthly_budget_usd, soft_budget_usd, budget_timezone, downgrade, alert_webhook_url, routes, created_at, budget
    }
}

/// A key as the admin API shows it: never the secret, except `key` once at creation.
struct KeyView: Encodable {
    var apiKey: APIKey
    var secret: String?
    var budget: BudgetSnapshot?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(apiKey.id, forKey: .id)
        try container.encodeIfPresent(secret, forKey: .key)
        try container.encode(apiKey.prefix, forKey: .prefix)
        try container.encode(apiKey.teamID, forKey: .team_id)
        try container.encode(apiKey.name, forKey: .name)
        try container.encode(apiKey.models, forKey: .models)
        try container.encode(apiKey.monthlyBudget, forKey: .monthly_budget_usd)
        try container.encode(apiKey.softBudget, forKey: .soft_budget_usd)
        try container.encode(apiKey.rpmLimit, forKey: .rpm_limit)
        try container.encode(apiKey.tpmLimit, forKey: .tpm_limit)
        try container.encode(apiKey.endUserMonthlyBudget, forKey: .end_user_monthly_budget_usd)
        try container.encode(apiKey.expiresAt, forKey: .expires_at)
        try container.encode(apiKey.revokedAt, forKey: .revoked_at)
        try container.encode(apiKey.createdAt, forKey: .created_at)
        try container.encodeIfPresent(budget.map(BudgetView.init), forKey: .budget)
    }

    enum CodingKeys: CodingKey {
        case id, key, prefix, team_id, name, models, monthly_budget_usd, soft_budget_usd, rpm_limit, tpm_limit
        case end_user_monthly_budget_usd, expires_at, revoked_at, created_at, budget
    }
}

/// `GET /v1/team`: the team and its keys.
struct OwnTeamView: Encodable {
    var object = "team"
    var team: TeamView
    var keys: [KeyView]
}

struct ListView<Item: Encodable>: Encodable {
    var object = "list"
    var data: [Item]
}

/// Reads a field that may be absent (leave as is), `null` (clear) or a value.
extension KeyedDecodingContainer {
    func decodeChange<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        return .some(try decodeIfPresent(type, forKey: key))
    }
}

/// `POST /admin/teams` and `PATCH /admin/teams/{id}`: absent fields stay as they are; `null`
/// clears a budget, the webhook or the team's routes.
struct TeamRequest: Decodable {
    var changes: TeamChanges

    enum CodingKeys: String, CodingKey {
        case name, monthly_budget_usd, soft_budget_usd, budget_timezone, downgrade, alert_webhook_url, routes
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        changes = TeamChanges(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            monthlyBudget: try container.decodeChange(Money.self, forKey: .monthly_budget_usd),
            softBudget: try container.decodeChange(Money.self, forKey: .soft_budget_usd),
            budgetTimeZone: try container.decodeIfPresent(String.self, forKey: .budget_timezone),
            downgrades: try container.decodeIfPresent([String: String].self, forKey: .downgrade),
            alertWebhookURL: try container.decodeChange(String.self, forKey: .alert_webhook_url),
            routes: try container.decodeChange([String: [String]].self, forKey: .routes))
    }
}

/// `POST /admin/keys` and `PATCH /admin/keys/{id}`.
struct KeyRequest: Decodable {
    var teamID: UUID?
    var changes: KeyChanges

    enum CodingKeys: String, CodingKey {
        case team_id, name, models, monthly_budget_usd, soft_budget_usd, rpm_limit, tpm_limit, end_user_monthly_budget_usd, expires_at
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        teamID = try container.decodeIfPresent(UUID.self, forKey: .team_id)
        changes = KeyChanges(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            models: try container.decodeChange([String].self, forKey: .models),
            monthlyBudget: try container.decodeChange(Money.self, forKey: .monthly_budget_usd),
            softBudget: try container.decodeChange(Money.self, forKey: .soft_budget_usd),
            rpmLimit: try container.decodeChange(Int.self, forKey: .rpm_limit),
            tpmLimit: try container.decodeChange(Int.self, forKey: .tpm_limit),
            endUserMonthlyBudget: try container.decodeChange(Money.self, forKey: .end_user_monthly_budget_usd),
            expiresAt: try container.decodeChange(Date.self, forKey: .expires_at))
    }

    /// The key to create; throws when `team_id` or `name` is missing.
    func newKey() throws -> NewAPIKey {
        guard let teamID else { throw GatewayError.invalidRequest("Missing required parameter: 'team_id'.", param: "team_id") }
        guard let name = changes.name else { throw GatewayError.invalidRequest("Missing required parameter: 'name'.", param: "name") }
        return NewAPIKey(
            teamID: teamID, name: name, models: changes.models ?? nil, monthlyBudget: changes.monthlyBudget ?? nil,
            softBudget: changes.softBudget ?? nil, rpmLimit: changes.rpmLimit ?? nil, tpmLimit: changes.tpmLimit ?? nil,
            endUserMonthlyBudget: changes.endUserMonthlyBudget ?? nil, expiresAt: changes.expiresAt ?? nil)
    }
}
