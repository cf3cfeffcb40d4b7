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
    public var softBudget: Money?
    /// Requests per minute; nil means unlimited.
    public var rpmLimit: Int?
    /// Tokens (prompt and completion) per minute; nil means unlimited.
    public var tpmLimit: Int?
    /// A hard monthly limit on each end user's spend through this key; nil means none.
    public var endUserMonthlyBudget: Money?
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date

    public init(
        id: UUID, teamID: UUID, name: String, prefix: String, models: [String]?, monthlyBudget: Money?,
        softBudget: Money? = nil, rpmLimit: Int? = nil, tpmLimit: Int? = nil, endUserMonthlyBudget: Money? = nil,
        expiresAt: Date?, revokedAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.teamID = teamID
        self.name = name
        self.prefix = prefix
        self.models = models
        self.monthlyBudget = monthlyBudget
        self.softBudget = softBudget
        self.rpmLimit = rpmLimit
        self.tpmLimit = tpmLimit
        self.endUserMonthlyBudget = endUserMonthlyBudget
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Whether the key may call `model`.
    public func allows(model: String) -> Bool {
        models?.contains(model) ?? true
    }
}

/// What an admin sets on a key, at creation or by `PATCH`; nil leaves a field as it is, and
/// `.some(nil)` clears it.
public struct KeyChanges: Sendable {
    public var name: String?
    public var models: [String]??
    public var monthlyBudget: Money??
    public var softBudget: Money??
    public var rpmLimit: Int??
    public var tpmLimit: Int??
    public var endUserMonthlyBudget: Money??
    public var expiresAt: Date??

    public init(
        name: String? = nil, models: [String]?? = nil, monthlyBudget: Money?? = nil, softBudget: Money?? = nil,
        rpmLimit: Int?? = nil, tpmLimit: Int?? = nil, endUserMonthlyBudget: Money?? = nil, expiresAt: Date?? = nil
    ) {
        self.name = name
        self.models = models
        self.monthlyBudget = monthlyBudget
        self.softBudget = softBudget
        self.rpmLimit = rpmLimit
        self.tpmLimit = tpmLimit
        self.endUserMonthlyBudget = endUserMonthlyBudget
        self.expiresAt = expiresAt
    }

    public func validate(now: Date = Date()) throws(GovernanceError) {
        try FieldRules.name(name)
        if case .some(.some(let models)) = models {
            if models.isEmpty || models.contains(where: \.isEmpty) {
                throw .invalid("'models' must be a non-empty list of model names, or null for all models", field: "models")
            }
            for model in models { try FieldRules.text(model, field: "models") }
        }
        try FieldRules.budget(monthlyBudget, field: "monthly_budget_usd")
        try FieldRules.budget(softBudget, field: "soft_budget_usd")
        try FieldRules.budget(endUserMonthlyBudget, field: "end_user_monthly_budget_usd")
        try FieldRules.positive(rpmLimit, field: "rpm_limit")
        try FieldRules.positive(tpmLimit, field: "tpm_limit")
        if case .some(.some(let expiresAt)) = expiresAt, expiresAt <= now {
            throw .invalid("'expires_at' must be in the future", field: "expires_at")
        }
    }
}

/// What an admin sends to create a key.
public struct NewAPIKey: Sendable {
    public var teamID: UUID
    public var name: String
    public var models: [String]?
    public var monthlyBudget: Money?
    public var softBudget: Money?
    public var rpmLimit: Int?
    public var tpmLimit: Int?
    public var endUserMonthlyBudget: Money?
    public var expiresAt: Date?

    public init(
        teamID: UUID, name: String, models: [String]? = nil, monthlyBudget: Money? = nil, softBudget: Money? = nil,
        rpmLimit: Int? = nil, tpmLimit: Int? = nil, endUserMonthlyBudget: Money? = nil, expiresAt: Date? = nil
    ) {
        self.teamID = teamID
        self.name = name
        self.models = models
        self.monthlyBudget = monthlyBudget
        self.softBudget = softBudget
        self.rpmLimit = rpmLimit
        self.tpmLimit = tpmLimit
        self.endUserMonthlyBudget = endUserMonthlyBudget
        self.expiresAt = expiresAt
    }

    /// The same checks as a change that sets every field.
    public func validate(now: Date = Date()) throws(GovernanceError) {
        try KeyChanges(
            name: name, models: .some(models), monthlyBudget: .some(monthlyBudget), softBudget: .some(softBudget),
            rpmLimit: .some(rpmLimit), tpmLimit: .some(tpmLimit), endUserMonthlyBudget: .some(endUserMonthlyBudget),
            expiresAt: .some(expiresAt)
        ).validate(now: now)
    }
}
