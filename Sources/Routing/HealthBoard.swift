import Foundation
import Synchronization

/// The breakers and recent outcomes of every deployment, by id (`provider/model`), shared by all
/// requests. Each call holds the lock for a few field updates; nothing here waits.
public final class HealthBoard: Sendable {
    /// What `GET /admin/deployments` shows of one deployment.
    public struct Snapshot: Sendable, Equatable {
        public var id: String
        public var state: Breaker.State
        public var failuresInARow: Int
        /// Of the last `window` outcomes.
        public var recentSuccesses: Int
        public var recentErrors: Int
        /// Median latency of the recent outcomes, in milliseconds (nil before the first).
        public var medianLatencyMilliseconds: Int?
    }

    /// How many outcomes the recent counts cover.
    public static let window = 100

    /// The most deployments remembered. A caller can name any `provider/model`, so the board must
    /// not grow with them: past this, a healthy deployment is forgotten to make room for a failing
    /// one, and new healthy ones are not remembered.
    public let capacity: Int

    private struct Entry {
        var breaker: Breaker
        var outcomes: [(ok: Bool, milliseconds: Int)] = []
        var next = 0

        mutating func remember(ok: Bool, milliseconds: Int) {
            if outcomes.count < HealthBoard.window {
                outcomes.append((ok, milliseconds))
            } else {
                outcomes[next] = (ok, milliseconds)
                next = (next + 1) % HealthBoard.window
            }
        }
    }

    /// The breakers by deployment, and the limits new breakers start with: one lock for both.
    private struct Board {
        var entries: [String: Entry] = [:]
        var limits: RouterLimits

        func newBreaker() -> Breaker {
            Breaker(failuresToTrip: limits.cooldownAfterFailures, cooldown: limits.cooldownSeconds)
        }
    }

    private let board: Mutex<Board>

    public init(limits: RouterLimits = RouterLimits(), capacity: Int = 4096) {
        self.board = Mutex(Board(limits: limits))
        self.capacity = max(capacity, 1)
    }

    /// New limits (a reload) apply to every breaker from now on; states are kept.
    public func reconfigure(_ limits: RouterLimits) {
        board.withLock { board in
            board.limits = limits
            for id in board.entries.keys {
                board.entries[id]?.breaker.failuresToTrip = limits.cooldownAfterFailures
                board.entries[id]?.breaker.cooldown = limits.cooldownSeconds
            }
        }
    }

    /// Whether a request may use deployment `id` now; may take the probe (see `Breaker.admit`).
    public func admit(_ id: String, at now: Date) -> Bool {
        board.withLock { board in
            // A deployment with no entry has never failed: it is healthy.
            board.entries[id]?.breaker.admit(at: now) ?? true
        }
    }

    /// Whether a request could use deployment `id` now, without taking the probe.
    public func isAvailable(_ id: String, at now: Date) -> Bool {
        board.withLock { $0.entries[id]?.breaker.wouldAdmit(at: now) ?? true }
    }

    /// When deployment `id`'s rest ends, while it rests.
    public func restEnds(_ id: String) -> Date? {
        board.withLock { board in
            if case .coolingDown(let until) = board.entries[id]?.breaker.state { return until }
            return nil
        }
    }

    /// When deployment `id` is next available, and until when its upstream asked to be left
    /// alone (`retry-after`), if it did.
    public func availability(_ id: String) -> (from: Date, retryAfterUntil: Date?) {
        board.withLock { board in
            guard let breaker = board.entries[id]?.breaker else { return (.distantPast, nil) }
            return (breaker.availableFrom, breaker.retryAfterUntil)
        }
    }

    /// Sends a request to deployment `id` although it rests (see `Breaker.forceProbe`).
    public func forceProbe(_ id: String, at now: Date) {
        board.withLock { board in board.entries[id]?.breaker.forceProbe(at: now) }
    }

    /// A request admitted to deployment `id` did not use it after all (nothing was sent): a probe
    /// it took goes to the next request.
    public func released(_ id: String) {
        board.withLock { board in board.entries[id]?.breaker.releaseProbe() }
    }

    /// The deployment answered (any status that is not its own failure).
    public func succeeded(_ id: String, milliseconds: Int) {
        board.withLock { board in
            guard board.entries[id] != nil || board.entries.count < capacity else { return }
            let fresh = board.newBreaker()
            board.entries[id, default: Entry(breaker: fresh)].breaker.succeeded()
            board.entries[id]?.remember(ok: true, milliseconds: milliseconds)
        }
    }

    /// The deployment failed (unreachable, timed out, 429, 5xx); `retryAfter` in seconds.
    public func failed(_ id: String, at now: Date, retryAfter: TimeInterval?, milliseconds: Int) {
        board.withLock { board in
            if board.entries[id] == nil, board.entries.count >= capacity {
                guard let healthy = board.entries.first(where: { $0.value.breaker.state == .healthy })?.key else { return }
                board.entries[healthy] = nil
            }
            let fresh = board.newBreaker()
            board.entries[id, default: Entry(breaker: fresh)].breaker.failed(at: now, retryAfter: retryAfter)
            board.entries[id]?.remember(ok: false, milliseconds: milliseconds)
        }
    }

    /// Every deployment seen so far, by id.
    public func snapshot() -> [Snapshot] {
        board.withLock { board in
            board.entries.map { id, entry in
                let latencies = entry.outcomes.map(\.milliseconds).sorted()
                let successes = entry.outcomes.reduce(0) { $0 + ($1.ok ? 1 : 0) }
                return Snapshot(
                    id: id, state: entry.breaker.state, failuresInARow: entry.breaker.failuresInARow,
                    recentSuccesses: successes, recentErrors: entry.outcomes.count - successes,
                    medianLatencyMilliseconds: latencies.isEmpty ? nil : latencies[latencies.count / 2])
            }.sorted { $0.id < $1.id }
        }
    }

}
