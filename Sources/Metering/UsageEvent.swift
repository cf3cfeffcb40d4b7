import Foundation
import Pricing

/// One request attempt that reached an upstream: who, what, how many tokens, what it cost.
public struct UsageEvent: Sendable, Hashable {
    /// The gateway's request id; with `attempt` it identifies the row, so writes are idempotent.
    public var requestID: String
    public var attempt: Int
    public var time: Date
    public var teamID: UUID
    public var keyID: UUID
    public var task: String
    public var requestedModel: String
    public var servedModel: String
    public var provider: String
    public var usage: TokenUsage
    /// The service tier and thinking mode the call was billed in, kept so it can be repriced.
    public var billing: BillingMode
    /// nil when the served model has no price: never silently zero.
    public var cost: Money?
    /// The HTTP status the upstream answered, or the gateway's when the upstream failed.
    public var status: Int
    public var latencyMilliseconds: Int
    public var streamed: Bool
    /// True when the tokens were estimated (a stream cut before its usage arrived).
    public var usageEstimated: Bool
    public var downgradedFrom: String?
    /// The start of the budget period (in the team's time zone) the request counts against.
    public var budgetPeriodStart: Date?
    /// What chose the served model: an alias, a task route, or `direct` (the model was named).
    public var route: String = "direct"
    /// Who the app served the call for (OpenAI's `safety_identifier` / `user`); nil when not said.
    public var endUser: String?
    /// The agent run or job the call belongs to (`X-Tollgate-Run`); nil when not said.
    public var run: String?
    /// When that run started: its budget's counter is the spend since (nil without a run).
    public var runStartedAt: Date?

    public init(
        requestID: String, attempt: Int = 1, time: Date, teamID: UUID, keyID: UUID, task: String,
        requestedModel: String, servedModel: String, provider: String, usage: TokenUsage, billing: BillingMode = .standard, cost: Money?,
        status: Int, latencyMilliseconds: Int, streamed: Bool, usageEstimated: Bool = false, downgradedFrom: String? = nil,
        budgetPeriodStart: Date? = nil
    ) {
        self.requestID = requestID
        self.attempt = attempt
        self.time = time
        self.teamID = teamID
        self.keyID = keyID
        self.task = task
        self.requestedModel = requestedModel
        self.servedModel = servedModel
        self.provider = provider
        self.usage = usage
        self.billing = billing
        self.cost = cost
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.streamed = streamed
        self.usageEstimated = usageEstimated
        self.downgradedFrom = downgradedFrom
        self.budgetPeriodStart = budgetPeriodStart
    }
}

/// Where usage events are made durable. Writing an event also adds its cost to the spend of its
/// team and key for its budget period.
public protocol UsageStore: Sendable {
    /// Writes events; an event whose request id and attempt are already stored is skipped, so a
    /// batch can be written again after a failure without counting anything twice.
    ///
    /// A batch the store refuses for what a row holds (not for being unreachable) throws
    /// `UsageRejected`, and changes nothing.
    @discardableResult
    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult

    /// Sets aside one event the store refused, with the reason, where an operator can find it.
    func reject(_ event: UsageEvent, reason: String) async throws
}

/// A write the store refused because of what a row holds (a value out of its column's range,
/// text it cannot store), as opposed to a store that is down: retrying cannot help.
public struct UsageRejected: Error, Sendable, CustomStringConvertible {
    /// The store's reason, without the row's values.
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "usage rejected: \(reason)" }
}

/// What a write did: how many events were new, and the spend of every scope they added to, as
/// the store holds it right after the write (other replicas' spend included).
public struct UsageWriteResult: Sendable, Equatable {
    public var inserted: Int
    public var spend: [ScopeSpend]

    public init(inserted: Int, spend: [ScopeSpend] = []) {
        self.inserted = inserted
        self.spend = spend
    }
}

/// One team's or key's written spend in one budget period.
public struct ScopeSpend: Sendable, Hashable {
    /// `team` or `key`.
    public var scope: String
    public var id: UUID
    public var periodStart: Date
    public var spent: Money

    public init(scope: String, id: UUID, periodStart: Date, spent: Money) {
        self.scope = scope
        self.id = id
        self.periodStart = periodStart
        self.spent = spent
    }
}
