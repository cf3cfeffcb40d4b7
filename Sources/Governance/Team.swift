import Foundation
import Pricing

/// A team: the unit that owns keys and is billed.
public struct Team: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    /// The hard monthly limit in USD; nil means unlimited.
    public var monthlyBudget: Money?
    /// Past this spend, models in `downgrades` are served by their cheaper replacement.
    public var softBudget: Money?
    /// The time zone whose calendar months are the team's budget periods.
    public var budgetTimeZone: String
    /// Model → cheaper model, applied past the soft limit.
    public var downgrades: [String: String]
    /// Where budget alerts are posted.
    public var alertWebhookURL: String?
    /// Task → models to try for its keys' `auto` requests, over the configuration's routes of the
    /// same name; nil for none.
    public var routes: [String: [String]]?
    public var createdAt: Date

    public init(
        id: UUID, name: String, monthlyBudget: Money?, softBudget: Money? = nil, budgetTimeZone: String = "UTC",
        downgrades: [String: String] = [:], alertWebhookURL: String? = nil, routes: [String: [String]]? = nil, createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.monthlyBudget = monthlyBudget
        self.softBudget = softBudget
        self.budgetTimeZone = budgetTimeZone
        self.downgrades = downgrades
        self.alertWebhookURL = alertWebhookURL
        self.routes = routes
        self.createdAt = createdAt
    }

    /// The team's time zone; UTC if the stored name is unknown.
    public var timeZone: TimeZone {
        TimeZone(identifier: budgetTimeZone) ?? .gmt
    }
}

/// The fields an admin sets when creating or changing a team; nil leaves a field as it is, and
/// `.some(nil)` clears it.
public struct TeamChanges: Sendable {
    public var name: String?
    public var monthlyBudget: Money??
    public var softBudget: Money??
    public var budgetTimeZone: String?
    public var downgrades: [String: String]?
    public var alertWebhookURL: String??
    /// Task → models or aliases; `.some(nil)` removes the team's routes.
    public var routes: [String: [String]]??

    public init(
        name: String? = nil, monthlyBudget: Money?? = nil, softBudget: Money?? = nil, budgetTimeZone: String? = nil,
        downgrades: [String: String]? = nil, alertWebhookURL: String?? = nil, routes: [String: [String]]?? = nil
    ) {
        self.name = name
        self.monthlyBudget = monthlyBudget
        self.softBudget = softBudget
        self.budgetTimeZone = budgetTimeZone
        self.downgrades = downgrades
        self.alertWebhookURL = alertWebhookURL
        self.routes = routes
    }

    /// Checks the values an admin sent, naming the field at fault. Which models exist is checked by
    /// the caller, who knows the catalog.
    public func validate() throws(GovernanceError) {
        try FieldRules.name(name)
        try FieldRules.budget(monthlyBudget, field: "monthly_budget_usd")
        try FieldRules.budget(softBudget, field: "soft_budget_usd")
        if let budgetTimeZone { try FieldRules.text(budgetTimeZone, field: "budget_timezone") }
        if let budgetTimeZone, TimeZone(identifier: budgetTimeZone) == nil {
            throw .invalid("'budget_timezone' '\(budgetTimeZone)' is not an IANA time zone such as UTC or Europe/Berlin", field: "budget_timezone")
        }
        if let downgrades {
            for (from, to) in downgrades {
                try FieldRules.text(from, field: "downgrade")
                try FieldRules.text(to, field: "downgrade")
            }
            for (from, to) in downgrades where from == to || from.isEmpty || to.isEmpty {
                throw .invalid("'downgrade' maps '\(from)' to '\(to)': each entry must name two different models", field: "downgrade")
            }
        }
        if case .some(.some(let url)) = alertWebhookURL {
            try FieldRules.text(url, field: "alert_webhook_url")
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw .invalid("'alert_webhook_url' must be an http(s) URL", field: "alert_webhook_url")
            }
        }
    }
}
