import Foundation

/// One deployment's circuit breaker: `cooldown_after_failures` failures in a row, or an
/// upstream's `retry-after`, rest it until a time; when the rest ends one request goes through as
/// a probe, and its outcome closes the breaker or rests it again. Pure: the caller passes the time.
///
/// ```swift
/// var breaker = Breaker(failuresToTrip: 3, cooldown: 30)
/// if breaker.admit(at: now) { … breaker.succeeded() or breaker.failed(at: now, retryAfter: nil) }
/// ```
public struct Breaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case healthy
        case coolingDown(until: Date)
        /// A probe was let through at `since`; others wait for its outcome.
        case probing(since: Date)
    }

    public private(set) var state: State = .healthy
    public private(set) var failuresInARow = 0
    /// Until when the upstream itself asked to be left alone (its `retry-after`).
    public private(set) var retryAfterUntil: Date?
    public var failuresToTrip: Int
    /// Seconds of rest after the breaker trips.
    public var cooldown: TimeInterval

    public init(failuresToTrip: Int, cooldown: TimeInterval) {
        self.failuresToTrip = max(failuresToTrip, 1)
        self.cooldown = max(cooldown, 0)
    }

    /// Whether a request may use the deployment at `now`. When a rest has ended, the first caller
    /// becomes the probe; a probe that never reports back is replaced after `cooldown`.
    public mutating func admit(at now: Date) -> Bool {
        switch state {
        case .healthy:
            return true
        case .coolingDown(let until):
            guard now >= until else { return false }
            state = .probing(since: now)
            return true
        case .probing(let since):
            guard now.timeIntervalSince(since) >= max(cooldown, 1) else { return false }
            state = .probing(since: now)
            return true
        }
    }

    /// Whether `admit` would let a request through at `now`, without taking the probe.
    public func wouldAdmit(at now: Date) -> Bool {
        var copy = self
        return copy.admit(at: now)
    }

    /// When a request could next use the deployment: now when healthy, the end of its rest, or
    /// when a probe that never reports back is replaced.
    public var availableFrom: Date {
        switch state {
        case .healthy: .distantPast
        case .coolingDown(let until): until
        case .probing(let since): since.addingTimeInterval(max(cooldown, 1))
        }
    }

    /// Lets a request through although the deployment rests: it has no alternative, and resting
    /// must not become refusing. Its outcome is the probe's.
    public mutating func forceProbe(at now: Date) {
        state = .probing(since: now)
    }

    /// The probe was taken but nothing was sent: the next request may probe at once.
    public mutating func releaseProbe() {
        if case .probing(let since) = state { state = .coolingDown(until: since) }
    }

    public mutating func succeeded() {
        state = .healthy
        failuresInARow = 0
        retryAfterUntil = nil
    }

    /// A failure at `now`; `retryAfter` (seconds, from the upstream) rests the deployment for at
    /// least that long whatever the count.
    public mutating func failed(at now: Date, retryAfter: TimeInterval?) {
        failuresInARow = failuresInARow == Int.max ? failuresInARow : failuresInARow + 1
        var until: Date?
        if case .probing = state { until = now.addingTimeInterval(cooldown) }
        if failuresInARow >= failuresToTrip { until = now.addingTimeInterval(cooldown) }
        if let retryAfter, retryAfter > 0 {
            let asked = now.addingTimeInterval(min(retryAfter, 86_400))
            until = max(until ?? asked, asked)
            retryAfterUntil = max(retryAfterUntil ?? asked, asked)
        }
        if case .coolingDown(let current) = state, let proposed = until { until = max(current, proposed) }
        if let until { state = .coolingDown(until: until) }
    }
}
