import Foundation
import Pricing

/// Whose budget: a team's or a key's.
public enum BudgetScopeKind: String, Sendable, Hashable, Codable {
    case team, key
    /// One end user of one key (`end_user_monthly_budget_usd`); its id is derived from both.
    case endUser = "end_user"
    /// One agent run of one team (`X-Tollgate-Run-Budget`); its period is the run's life.
    case run

    /// Whether crossing its thresholds sends alerts: end users and runs are many and short-lived,
    /// and their refusals name them instead.
    public var sendsAlerts: Bool { self == .team || self == .key }
}

/// One scope's limits and where it stands in the current period, as admission sees it.
public struct BudgetSnapshot: Sendable, Hashable {
    public var kind: BudgetScopeKind
    public var id: UUID
    public var name: String
    /// The hard limit: nothing is admitted past it. nil means unlimited.
    public var hardLimit: Money?
    /// The soft limit: past it, models in the team's downgrade map are served by their cheaper model.
    public var softLimit: Money?
    /// Settled spend this period, this replica's unwritten spend included.
    public var spent: Money
    /// Upper estimates of requests admitted and not yet settled.
    public var reserved: Money
    public var period: BudgetPeriod
    /// Where the scope is heading at its recent burn rate (status views only).
    public var forecast: BudgetForecast?

    public init(kind: BudgetScopeKind, id: UUID, name: String, hardLimit: Money?, softLimit: Money?,
                spent: Money, reserved: Money, period: BudgetPeriod) {
        self.kind = kind
        self.id = id
        self.name = name
        self.hardLimit = hardLimit
        self.softLimit = softLimit
        self.spent = spent
        self.reserved = reserved
        self.period = period
    }

    /// What is left under the hard limit after spend and reservations; nil when unlimited.
    public var remaining: Money? {
        hardLimit.map { max($0 - spent - reserved, .zero) }
    }

    /// Whether settled spend has reached the soft limit.
    public var isPastSoftLimit: Bool {
        softLimit.map { spent >= $0 } ?? false
    }
}

/// Why a request was refused: the scope that said no and its numbers, for the caller's message.
public struct BudgetRejection: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// The request's estimate does not fit under the hard limit.
        case hardLimit
        /// The model has no price and the scope is budgeted: it is never served as free.
        case unpricedModel(String)
    }

    public var scope: BudgetSnapshot
    public var reason: Reason
    public var estimate: Money?
}

/// Admission's answer.
public enum BudgetDecision: Sendable, Hashable {
    case allow
    /// Serve `model` instead of the requested one: `scope` is past its soft limit.
    case downgrade(to: String, scope: BudgetSnapshot)
    case reject(BudgetRejection)
}

/// The budget decision, a pure function of the scopes' snapshots, the request's estimates and the
/// team's downgrade map.
///
/// Scopes are checked in the order given (put the key before the team so the tighter, more
/// specific scope is named first). A downgrade happens only when the cheaper model fits under every
/// hard limit; otherwise the request is rejected, never served past the hard limit.
public enum BudgetGuard {
    /// - Parameters:
    ///   - scopes: the key's and the team's snapshots.
    ///   - model: the requested model.
    ///   - downgrades: the team's map from a model to its cheaper replacement.
    ///   - estimate: the upper cost estimate of the request on a model; nil when the model has no price.
    public static func decide(
        scopes: [BudgetSnapshot], model: String, downgrades: [String: String], estimate: (String) -> Money?
    ) -> BudgetDecision {
        var served = model
        var downgradedBy: BudgetSnapshot?
        if let cheaper = downgrades[model], let scope = scopes.first(where: \.isPastSoftLimit) {
            served = cheaper
            downgradedBy = scope
        }
        let limited = scopes.filter { $0.hardLimit != nil }
        guard !limited.isEmpty else {
            return downgradedBy.map { .downgrade(to: served, scope: $0) } ?? .allow
        }
        let cost = estimate(served)
        for scope in limited {
            guard let limit = scope.hardLimit else { continue }
            guard let cost else {
                return .reject(BudgetRejection(scope: scope, reason: .unpricedModel(served), estimate: nil))
            }
            if scope.spent + scope.reserved + cost > limit {
                return .reject(BudgetRejection(scope: scope, reason: .hardLimit, estimate: cost))
            }
        }
        if let downgradedBy {
            return .downgrade(to: served, scope: downgradedBy)
        }
        return .allow
    }
}
