import Foundation
import Governance
import Pricing

/// A team as the admin API shows it.
struct TeamView: Encodable {
    var id: UUID
    var name: String
    var monthly_budget_usd: Money?
    var created_at: Date

    init(_ team: Team) {
        id = team.id
        name = team.name
        monthly_budget_usd = team.monthlyBudget
        created_at = team.createdAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(monthly_budget_usd, forKey: .monthly_budget_usd)
        try container.encode(created_at, forKey: .created_at)
    }

    enum CodingKeys: CodingKey { case id, name, monthly_budget_usd, created_at }
}

/// A key as the admin API shows it: never the secret, except `key` once at creation.
struct KeyView: Encodable {
    var id: UUID
    var key: String?
    var prefix: String
    var team_id: UUID
    var name: String
    var models: [String]?
    var monthly_budget_usd: Money?
    var expires_at: Date?
    var revoked_at: Date?
    var created_at: Date

    init(_ apiKey: APIKey, secret: String? = nil) {
        id = apiKey.id
        key = secret
        prefix = apiKey.prefix
        team_id = apiKey.teamID
        name = apiKey.name
        models = apiKey.models
        monthly_budget_usd = apiKey.monthlyBudget
        expires_at = apiKey.expiresAt
        revoked_at = apiKey.revokedAt
        created_at = apiKey.createdAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(key, forKey: .key)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(team_id, forKey: .team_id)
        try container.encode(name, forKey: .name)
        try container.encode(models, forKey: .models)
        try container.encode(monthly_budget_usd, forKey: .monthly_budget_usd)
        try container.encode(expires_at, forKey: .expires_at)
        try container.encode(revoked_at, forKey: .revoked_at)
        try container.encode(created_at, forKey: .created_at)
    }

    enum CodingKeys: CodingKey { case id, key, prefix, team_id, name, models, monthly_budget_usd, expires_at, revoked_at, created_at }
}

struct ListView<Item: Encodable>: Encodable {
    var object = "list"
    var data: [Item]
}

/// `POST /admin/teams` and `PATCH /admin/teams/{id}`: absent fields stay as they are, and a
/// `null` budget clears it.
struct TeamRequest: Decodable {
    var name: String?
    var monthlyBudget: Money??

    enum CodingKeys: String, CodingKey { case name, monthly_budget_usd }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        if container.contains(.monthly_budget_usd) {
            monthlyBudget = .some(try container.decodeIfPresent(Money.self, forKey: .monthly_budget_usd))
        }
    }

    var changes: TeamChanges { TeamChanges(name: name, monthlyBudget: monthlyBudget) }
}

/// `POST /admin/keys`.
struct KeyRequest: Decodable {
    var team_id: UUID
    var name: String
    var models: [String]?
    var monthly_budget_usd: Money?
    var expires_at: Date?
}
