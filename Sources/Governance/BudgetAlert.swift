import Foundation
import Pricing

/// A budget event for the team's webhook and the log: a threshold crossed (once per scope, period
/// and threshold), a budget projected to run out more than 3 days before its period ends (once per
/// scope and period), or a team's spend spiking (at most once an hour per team).
public struct BudgetAlert: Sendable, Hashable, Codable {
    /// The percentages of a hard limit that raise an alert.
    public static let thresholds = [50, 80, 100]

    public enum Event: String, Sendable, Hashable, Codable {
        case thresholdReached = "budget.threshold_reached"
        case projectedExhaustion = "budget.projected_exhaustion"
        case spendSpike = "budget.spend_spike"

        /// The `threshold` an event of this kind is claimed under (thresholds are percentages).
        public var claimCode: Int? {
            switch self {
            case .thresholdReached: nil
            case .projectedExhaustion: -1
            case .spendSpike: -2
            }
        }
    }

    public var event: Event = .thresholdReached
    /// For `projectedExhaustion`: when, and the period's projected spend.
    public var projectedExhaustionAt: Date?
    public var projectedSpend: Money?
    /// For `spendSpike`: the last hour's spend and the median of the week's hours with spend.
    public var lastHourSpend: Money?
    public var hourlyMedian: Money?

    public var scope: BudgetScopeKind
    public var scopeID: UUID
    public var scopeName: String
    public var teamID: UUID
    public var threshold: Int
    public var limit: Money
    public var spent: Money
    public var periodStart: Date
    public var periodEnd: Date
    public var time: Date

    public init(
        scope: BudgetScopeKind, scopeID: UUID, scopeName: String, teamID: UUID, threshold: Int, limit: Money, spent: Money,
        periodStart: Date, periodEnd: Date, time: Date
    ) {
        self.scope = scope
        self.scopeID = scopeID
        self.scopeName = scopeName
        self.teamID = teamID
        self.threshold = threshold
        self.limit = limit
        self.spent = spent
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.time = time
    }

    /// The thresholds `spent` has reached on `limit`; `exhausted` (a request refused at the hard
    /// limit) counts as reaching 100 %.
    public static func reached(spent: Money, limit: Money, exhausted: Bool = false) -> [Int] {
        guard limit > .zero else { return exhausted ? [100] : [] }
        return thresholds.filter { threshold in
            (threshold == 100 && exhausted) || spent.amount * 100 >= limit.amount * Decimal(threshold)
        }
    }

    /// Whether a request refused at the hard limit means the budget is used up, so the refusal
    /// counts as reaching 100 %: only when spend and open reservations have reached 90 % of the
    /// limit. One oversized request (a huge `max_tokens`) on a budget with room left is refused
    /// without claiming the 100 % alert.
    public static func refusalExhausts(spent: Money, reserved: Money, limit: Money) -> Bool {
        (spent + reserved).amount * 10 >= limit.amount * 9
    }

    enum CodingKeys: String, CodingKey {
        case projectedExhaustionAt = "projected_exhaustion_at", projectedSpend = "projected_spend_usd"
        case lastHourSpend = "last_hour_spend_usd", hourlyMedian = "hourly_median_usd"
        case type, scope, scopeID = "scope_id", scopeName = "scope_name", teamID = "team_id", threshold = "threshold_percent"
        case limit = "limit_usd", spent = "spent_usd", periodStart = "period_start", periodEnd = "period_end", time = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decodeIfPresent(Event.self, forKey: .type) ?? .thresholdReached
        projectedExhaustionAt = try container.decodeIfPresent(Date.self, forKey: .projectedExhaustionAt)
        projectedSpend = try container.decodeIfPresent(Money.self, forKey: .projectedSpend)
        lastHourSpend = try container.decodeIfPresent(Money.self, forKey: .lastHourSpend)
        hourlyMedian = try container.decodeIfPresent(Money.self, forKey: .hourlyMedian)
        scope = try container.decode(BudgetScopeKind.self, forKey: .scope)
        scopeID = try container.decode(UUID.self, forKey: .scopeID)
        scopeName = try container.decode(String.self, forKey: .scopeName)
        teamID = try container.decode(UUID.self, forKey: .teamID)
        threshold = try event.claimCode ?? container.decode(Int.self, forKey: .threshold)
        limit = try container.decode(Money.self, forKey: .limit)
        spent = try container.decode(Money.self, forKey: .spent)
        periodStart = try container.decode(Date.self, forKey: .periodStart)
        periodEnd = try container.decode(Date.self, forKey: .periodEnd)
        time = try container.decode(Date.self, forKey: .time)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .type)
        try container.encodeIfPresent(projectedExhaustionAt, forKey: .projectedExhaustionAt)
        try container.encodeIfPresent(projectedSpend, forKey: .projectedSpend)
        try container.encodeIfPresent(lastHourSpend, forKey: .lastHourSpend)
        try container.encodeIfPresent(hourlyMedian, forKey: .hourlyMedian)
        try container.encode(scope, forKey: .scope)
        try container.encode(scopeID, forKey: .scopeID)
        try container.encode(scopeName, forKey: .scopeName)
        try container.encode(teamID, forKey: .teamID)
        // Only a threshold alert has a percentage; the others' claim codes are internal.
        if event == .thresholdReached { try container.encode(threshold, forKey: .threshold) }
        try container.encode(limit, forKey: .limit)
        try container.encode(spent, forKey: .spent)
        try container.encode(periodStart, forKey: .periodStart)
        try container.encode(periodEnd, forKey: .periodEnd)
        try container.encode(time, forKey: .time)
    }

    /// The webhook body: JSON with RFC 3339 times and exact amounts.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> BudgetAlert {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BudgetAlert.self, from: data)
    }
}
