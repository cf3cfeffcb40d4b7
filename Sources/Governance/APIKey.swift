import Foundation
import Pricing

/// A team's API key as stored: a public prefix and the SHA-256 of the secret, never the secret.
public struct APIKey: Sendable, Hashable, Codable {
    public var id: UUID
    public var teamID: UUID
    public var name: String
    /// The first characters of the secret, shown in listings so a key can be recognised.
    public var prefix: String
    /// The models this key may call; nil means every configured model.
    public var models: [String]?
    public var monthlyBudget: Money?
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date

    public init(
        id: UUID, teamID: UUID, name: String, prefix: String, models: [String]?, monthlyBudget: Money?,
        expiresAt: Date?, revokedAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.teamID = teamID
        self.name = name
        self.prefix = prefix
        self.models = models
        self.monthlyBudget = monthlyBudget
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Whether the key may call `model`.
    public func allows(model: String) -> Bool {
        models?.contains(model) ?? true
    }
}

/// What an admin sends to create a key.
public struct NewAPIKey: Sendable {
    public var teamID: UUID
    public var name: String
    public var models: [String]?
    public var monthlyBudget: Money?
    public var expiresAt: Date?

    public init(teamID: UUID, name: String, models: [String]? = nil, monthlyBudget: Money? = nil, expiresAt: Date? = nil) {
        self.teamID = teamID
        self.name = name
        self.models = models
        self.monthlyBudget = monthlyBudget
        self.expiresAt = expiresAt
    }

    public func validate(now: Date = Date()) throws(GovernanceError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw .invalid("'name' must be 1 to 200 characters", field: "name")
        }
        if let models, models.isEmpty || models.contains(where: \.isEmpty) {
            throw .invalid("'models' must be a non-empty list of model names, or absent for all models", field: "models")
        }
        if let monthlyBudget, monthlyBudget < .zero {
            throw .invalid("'monthly_budget_usd' must not be negative", field: "monthly_budget_usd")
        }
        if let expiresAt, expiresAt <= now {
            throw .invalid("'expires_at' must be in the future", field: "expires_at")
        }
    }
}
