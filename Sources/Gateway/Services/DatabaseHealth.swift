import Logging
import PostgresStorage
import ServiceLifecycle
import Synchronization

/// Whether PostgreSQL answers: pinged every `interval` with a deadline, so readiness and
/// `--budget-enforcement fail-closed` know of an outage within seconds, without a request having
/// to wait for it.
///
/// One slow ping is not an outage (a busy pool or a checkpoint can take a second): the database
/// is reported unreachable after `failuresBeforeDown` failed pings in a row, and reachable again
/// at the first answer.
final class DatabaseHealth: Service, Sendable {
    private struct State {
        var reachable = true
        var failuresInARow = 0
        var lastError: String?
    }

    private let check: PostgresHealthCheck
    private let interval: Duration
    private let deadline: Duration
    private let failuresBeforeDown: Int
    private let logger: Logger
    private let state = Mutex(State())

    init(
        check: PostgresHealthCheck, interval: Duration = .seconds(1), deadline: Duration = .seconds(2), failuresBeforeDown: Int = 2,
        logger: Logger
    ) {
        self.check = check
        self.interval = interval
        self.deadline = deadline
        self.failuresBeforeDown = max(1, failuresBeforeDown)
        self.logger = logger
    }

    var isReachable: Bool { state.withLock { $0.reachable } }

    /// Why the last ping failed, without connection details.
    var lastError: String? { state.withLock { $0.lastError } }

    func run() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await probe()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    func probe() async {
        do {
            try await withDeadline(deadline) { try await self.check.ping() }
            let recovered = state.withLock { state in
                defer { state = State() }
                return !state.reachable
            }
            if recovered { logger.notice("PostgreSQL answers again") }
        } catch {
            let reason = error is DeadlineExceeded ? "no answer within \(deadline)" : "the connection failed"
            let wentDown = state.withLock { state in
                state.failuresInARow += 1
                state.lastError = reason
                guard state.reachable, state.failuresInARow >= failuresBeforeDown else { return false }
                state.reachable = false
                return true
            }
            if wentDown {
                logger.error("PostgreSQL does not answer: serving known keys and budgets from memory, spooling usage", metadata: [
                    LogKey.error: "\(reason)",
                ])
            }
        }
    }
}
