import Foundation
import Pricing

/// Where teams live.
public protocol TeamStore: Sendable {
    /// Creates a team; throws `GovernanceError.conflict` when the name is taken.
    func createTeam(name: String, changes: TeamChanges) async throws -> Team
    func teams() async throws -> [Team]
    func team(id: UUID) async throws -> Team?
    /// Applies `changes`; nil when there is no such team.
    func updateTeam(id: UUID, changes: TeamChanges) async throws -> Team?
}

/// Where API keys live, looked up by the SHA-256 of their secret.
public protocol KeyStore: Sendable {
    func createKey(_ key: NewAPIKey, prefix: String, secretHash: String) async throws -> APIKey
    func keys(teamID: UUID?) async throws -> [APIKey]
    func key(id: UUID) async throws -> APIKey?
    /// Applies `changes`; nil when there is no such key.
    func updateKey(id: UUID, changes: KeyChanges) async throws -> APIKey?
    /// Marks the key revoked; nil when there is no such key.
    func revokeKey(id: UUID) async throws -> APIKey?
    /// The key and its team for a secret's hash (hex), revoked or not; nil when unknown.
    func principal(secretHash: String) async throws -> Principal?
}

/// Where budget spend and alerts are shared between replicas.
public protocol BudgetStore: Sendable {
    /// The written spend of each counter (zero for counters with none).
    func spend(_ keys: [BudgetKey]) async throws -> [BudgetKey: Money]
    /// Claims an alert once across replicas; false when it was already claimed.
    func claim(_ alert: BudgetAlert) async throws -> Bool
    /// Alerts claimed but not delivered, claimed before `date`, claimed again now for another
    /// delivery attempt. Reading and claiming are one step, so an alert delivered meanwhile (its
    /// first attempt finishing) is never handed out again.
    func claimUndelivered(claimedBefore date: Date) async throws -> [BudgetAlert]
    func markDelivered(_ alert: BudgetAlert, delivered: Bool) async throws
    /// Carries a team's and its keys' written spend from the period starting `from` to the one
    /// starting `to` (a change of the team's time zone): each new counter becomes the larger of
    /// the two, so a change never resets spend and counts nothing twice when changed back.
    func carrySpend(teamID: UUID, from: Date, to: Date) async throws
    /// What a team (`kind` team) or key (`kind` key, of team `teamID`) spent in the 24 hours and
    /// the 7 days before `now`: the burn rates a forecast projects from.
    func recentSpend(kind: BudgetScopeKind, id: UUID, teamID: UUID, now: Date) async throws -> (lastDay: Money, lastWeek: Money)
    /// A team's written spend by hour before `now`: key 0 is the last hour, 1…168 the week's hours
    /// before it; hours without spend are absent.
    func hourlySpend(teamID: UUID, now: Date) async throws -> [Int: Money]
}

/// A change to a key or a team that every replica's key cache must forget at once.
public enum GovernanceChange: Sendable, Hashable {
    case key(UUID)
    case team(UUID)
    /// A price entry was added or corrected: reload the price table.
    case prices
    /// Stored spend was adjusted (a reprice): re-read the budget counters held.
    case spend

    /// The change as a short text, for notifications between replicas: `key:<id>`, `team:<id>`,
    /// `prices`, `spend`.
    public var message: String {
        switch self {
        case .key(let id): "key:\(id.uuidString)"
        case .team(let id): "team:\(id.uuidString)"
        case .prices: "prices"
        case .spend: "spend"
        }
    }

    public init?(message: String) {
        if message == "prices" {
            self = .prices
            return
        }
        if message == "spend" {
            self = .spend
            return
        }
        let parts = message.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let id = UUID(uuidString: String(parts[1])) else { return nil }
        switch parts[0] {
        case "key": self = .key(id)
        case "team": self = .team(id)
        default: return nil
        }
    }
}
