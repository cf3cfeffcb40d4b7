import Foundation
import Synchronization

/// Counts failed authentications per client address in fixed one-minute windows: past
/// `maxFailures`, the address is refused without a key lookup until its window ends, so guessing
/// keys costs the guesser, not the database. Bounded: past `capacity` addresses, finished
/// windows are dropped first, then all.
final class FailedAuthLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    /// Whether any address ever reached `maxFailures`: until one does, no request needs the lock.
    private let anyBlocked = Atomic<Bool>(false)
    let maxFailures: Int
    let window: Duration
    private let capacity: Int

    init(maxFailures: Int = 30, window: Duration = .seconds(60), capacity: Int = 10_000) {
        self.maxFailures = maxFailures
        self.window = window
        self.capacity = capacity
    }

    /// Seconds until `address` may try again, or nil when it may try now. The address is only
    /// read once some address is blocked: formatting a peer's address costs every request.
    func retryAfter(_ address: @autoclosure () -> String, now: ContinuousClock.Instant = .now) -> Int? {
        guard anyBlocked.load(ordering: .acquiring) else { return nil }
        let address = address()
        return windows.withLock { windows in
            guard let current = windows[address], now - current.start < window, current.failures >= maxFailures else { return nil }
            let left = window - (now - current.start)
            return max(Int(left.components.seconds) + 1, 1)
        }
    }

    /// Counts one failed attempt from `address`.
    func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) {
        windows.withLock { windows in
            if var current = windows[address], now - current.start < window {
                current.failures += 1
                windows[address] = current
                if current.failures >= maxFailures { anyBlocked.store(true, ordering: .releasing) }
                return
            }
            if windows.count >= capacity {
                windows = windows.filter { now - $0.value.start < window }
                if windows.count >= capacity { windows.removeAll(keepingCapacity: true) }
            }
            windows[address] = Window(start: now, failures: 1)
            if maxFailures <= 1 { anyBlocked.store(true, ordering: .releasing) }
        }
    }
}
