import Foundation
import Pricing

/// An agent run or job of a team (`X-Tollgate-Run`), as the gateway admits its calls: when it
/// started and the budget its first request set (`X-Tollgate-Run-Budget`). A run ends 24 hours
/// after its last call; the same name then starts a new run.
public struct AgentRun: Sendable, Hashable {
    public var teamID: UUID
    public var name: String
    public var startedAt: Date
    public var budget: Money?

    /// How long a run lives after its last call.
    public static let lifetime: TimeInterval = 24 * 3600

    public init(teamID: UUID, name: String, startedAt: Date, budget: Money?) {
        self.teamID = teamID
        self.name = name
        self.startedAt = startedAt
        self.budget = budget
    }
}

/// Where runs are kept, shared by every replica.
public protocol RunStore: Sendable {
    /// The run `name` of the team as of `now`: started now with `budget` when there is none (or
    /// it ended), else the running one, its last call moved to `now`.
    func open(teamID: UUID, name: String, budget: Money?, now: Date) async throws -> AgentRun
    /// Deletes runs that ended before `now`, and their spend counters; returns how many.
    func purgeEnded(now: Date) async throws -> Int
}
