import Foundation
import Pricing

/// A dimension a spend report can be grouped by.
public enum ReportDimension: String, Sendable, CaseIterable, Codable {
    case team, key, model, task, day, provider, route
    case endUser = "end_user"
    /// The agent run or job (`X-Tollgate-Run`): reports by run read the raw events.
    case run
}

/// What a spend report covers: `[from, to)`, grouped by `groupBy`, optionally one team or one
/// end user only.
public struct SpendQuery: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var groupBy: [ReportDimension]
    public var teamID: UUID?
    /// Only calls made for this end user (`safety_identifier` / `user`).
    public var endUser: String?
    /// Only calls of this run (`X-Tollgate-Run`).
    public var run: String?
    /// The IANA time zone whose calendar days `day` rows follow; nil is UTC.
    public var timeZone: String?

    public init(
        from: Date, to: Date, groupBy: [ReportDimension], teamID: UUID? = nil, endUser: String? = nil, run: String? = nil,
        timeZone: String? = nil
    ) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.teamID = teamID
        self.endUser = endUser
        self.run = run
        self.timeZone = timeZone
    }

    /// Days are UTC days: the daily rollup can answer.
    public var daysAreUTC: Bool { timeZone == nil || timeZone == "UTC" }
}

/// Token and cost sums over a set of requests.
public struct SpendTotals: Sendable, Equatable {
    public var requests: Int = 0
    /// Every prompt token, cached and cache-write included (as OpenAI's `prompt_tokens`).
    public var inputTokens: Int = 0
    public var cachedInputTokens: Int = 0
    public var cacheWriteTokens: Int = 0
    /// Every generated token, reasoning included.
    public var outputTokens: Int = 0
    public var reasoningTokens: Int = 0
    public var cost: Money = .zero
    /// Requests for models without a price: counted, never priced at zero silently.
    public var unpricedRequests: Int = 0
    /// Requests billed from Tollgate's token estimate, the upstream having reported no usage.
    public var estimatedRequests: Int = 0

    public init() {}

    public static func + (lhs: SpendTotals, rhs: SpendTotals) -> SpendTotals {
        var sum = lhs
        sum.requests += rhs.requests
        sum.inputTokens += rhs.inputTokens
        sum.cachedInputTokens += rhs.cachedInputTokens
        sum.cacheWriteTokens += rhs.cacheWriteTokens
        sum.outputTokens += rhs.outputTokens
        sum.reasoningTokens += rhs.reasoningTokens
        sum.cost += rhs.cost
        sum.unpricedRequests += rhs.unpricedRequests
        sum.estimatedRequests += rhs.estimatedRequests
        return sum
    }
}

/// One row of a spend report: the grouping values (nil for dimensions not grouped by) and sums.
public struct SpendRow: Sendable, Equatable {
    public var teamID: UUID?
    public var teamName: String?
    public var keyID: UUID?
    public var keyName: String?
    public var model: String?
    public var task: String?
    /// `YYYY-MM-DD`, in the query's time zone (UTC unless it names one).
    public var day: String?
    public var provider: String?
    /// The alias or task route that chose the model, or `direct`.
    public var route: String?
    /// The end user the calls were made for; nil for calls that named none.
    public var endUser: String?
    /// The run the calls belong to; nil for calls that named none.
    public var run: String?
    public var totals: SpendTotals

    public init(totals: SpendTotals = SpendTotals()) {
        self.totals = totals
    }
}

/// Answers spend queries.
public protocol SpendReportStore: Sendable {
    func spend(_ query: SpendQuery) async throws -> [SpendRow]
}
