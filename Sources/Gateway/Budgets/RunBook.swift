import Foundation
import Governance
import Logging
import Pricing
import PostgresStorage
import Synchronization

/// The runs this replica has seen (`X-Tollgate-Run`), kept in step with the shared store: a run
/// is opened there on its first call, and its last call moved on at most once a minute per
/// replica, so its 24 hours are counted to the minute without a write per call.
final class RunBook: Sendable {
    struct Key: Hashable {
        var teamID: UUID
        var name: String
    }

    let store: any RunStore
    let clock: @Sendable () -> Date
    private let known = Mutex<[Key: (run: AgentRun, touched: Date)]>([:])
    private let logger: Logger

    /// How often a run's last call is written to the store.
    static let touchInterval: TimeInterval = 60
    /// The most runs remembered; older ones are read from the store again.
    static let capacity = 100_000

    init(store: any RunStore, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// The team's run `name`, opened or continued now. `budget` (`X-Tollgate-Run-Budget`) sets a
    /// new run's budget; for a running one it must be the budget its first request set.
    func open(teamID: UUID, name: String, budget: Money?) async throws -> AgentRun {
        let now = clock()
        let key = Key(teamID: teamID, name: name)
        let cached = known.withLock { $0[key] }
        let run: AgentRun
        if let cached, now.timeIntervalSince(cached.touched) < Self.touchInterval {
            run = cached.run
        } else {
            do {
                run = try await store.open(teamID: teamID, name: name, budget: budget, now: now)
            } catch {
                logger.error("cannot open a run: the run store does not answer", metadata: [LogKey.error: "\(loggable(error))"])
                throw GatewayError.unavailable("Runs cannot be checked right now (the database does not answer); try again shortly.")
            }
            known.withLock { known in
                if known.count >= Self.capacity { known = known.filter { now.timeIntervalSince($0.value.touched) < AgentRun.lifetime } }
                known[key] = (run, now)
            }
        }
        if let budget, budget != run.budget {
            throw GatewayError.runBudgetConflict(run: name, asked: budget, set: run.budget)
        }
        return run
    }
}
