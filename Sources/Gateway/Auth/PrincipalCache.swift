import Foundation
import Governance
import Synchronization

/// Keys by secret hash, kept for a few seconds so the hot path reads no database.
///
/// - Revoking on this server drops the key from the cache at once; another replica's cache
///   forgets it when the change is announced, or within `timeToLive` at worst.
/// - Unknown secrets are remembered apart, in a bounded negative cache: a flood of made-up keys
///   can neither evict the keys in use nor send a query per attempt to the database.
/// - When the store fails (the database is down), a key seen before is served from its last
///   known state, and the store is not asked again for `retryAfterFailure`; a key never seen
///   cannot be checked, and the lookup fails.
final class PrincipalCache: Sendable {
    private struct Entry {
        var principal: Principal
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var known: [String: Entry] = [:]
        /// Unknown secret hashes and when to stop believing they are unknown.
        var unknown: [String: ContinuousClock.Instant] = [:]
        /// The last time the store failed; while recent, stale entries are served without asking.
        var storeFailedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let inFlight = Mutex<[String: Task<Principal?, any Error>]>([:])
    private let timeToLive: Duration
    private let capacity: Int
    private let unknownCapacity: Int
    private let lookupTimeout: Duration
    private let retryAfterFailure: Duration
    private let store: any KeyStore

    init(
        store: any KeyStore, timeToLive: Duration = .seconds(5), capacity: Int = 100_000, unknownCapacity: Int = 10_000,
        lookupTimeout: Duration = .seconds(2), retryAfterFailure: Duration = .seconds(1)
    ) {
        self.store = store
        self.timeToLive = timeToLive
        self.capacity = capacity
        self.unknownCapacity = unknownCapacity
        self.lookupTimeout = lookupTimeout
        self.retryAfterFailure = retryAfterFailure
    }

    /// Whether the last store lookup failed (for readiness).
    var storeFailing: Bool {
        state.withLock { $0.storeFailedAt != nil }
    }

    /// The principal for a secret hash, from the cache or the store; nil for an unknown key.
    /// Throws only when the store cannot answer and the key was never seen.
    func principal(secretHash: String) async throws -> Principal? {
        let now = ContinuousClock.now
        enum Cached { case fresh(Principal?), stale(Principal), none }
        let (cached, storeDown) = state.withLock { state -> (Cached, Bool) in
            let storeDown = state.storeFailedAt.map { now - $0 < retryAfterFailure } ?? false
            if let entry = state.known[secretHash] {
                return (entry.expires > now ? .fresh(entry.principal) : .stale(entry.principal), storeDown)
            }
            if let until = state.unknown[secretHash], until > now { return (.fresh(nil), storeDown) }
            return (.none, storeDown)
        }
        switch cached {
        case .fresh(let principal): return principal
        case .stale(let principal) where storeDown: return principal
        case .stale, .none: break
        }
        let principal: Principal?
        do {
            // A stale entry is the fallback, so the store gets little time; with none, a slow
            // store is waited for rather than turned into a refusal.
            let deadline = if case .stale = cached { lookupTimeout } else { lookupTimeout * 5 }
            principal = try await lookup(secretHash, deadline: deadline)
        } catch {
            state.withLock { $0.storeFailedAt = ContinuousClock.now }
            if case .stale(let last) = cached { return last }
            throw error
        }
        state.withLock { state in
            state.storeFailedAt = nil
            if let principal {
                if state.known.count >= capacity { Self.makeRoom(in: &state.known, capacity: capacity, now: now) }
                state.known[secretHash] = Entry(principal: principal, expires: now + timeToLive)
                state.unknown[secretHash] = nil
            } else {
                state.known[secretHash] = nil
                if state.unknown.count >= unknownCapacity { state.unknown.removeAll(keepingCapacity: true) }
                state.unknown[secretHash] = now + timeToLive
            }
        }
        return principal
    }

    /// One store lookup per secret at a time: concurrent first requests of a key share it, so a
    /// burst does not send a query each.
    private func lookup(_ secretHash: String, deadline: Duration) async throws -> Principal? {
        let task = inFlight.withLock { inFlight in
            if let running = inFlight[secretHash] { return running }
            let store = self.store
            let task = Task { try await store.principal(secretHash: secretHash) }
            inFlight[secretHash] = task
            return task
        }
        defer { _ = inFlight.withLock { $0.removeValue(forKey: secretHash) } }
        return try await withDeadline(deadline) { try await task.value }
    }

    /// Makes room: expired entries go first, then, if that was not enough, an arbitrary half.
    private static func makeRoom(in known: inout [String: Entry], capacity: Int, now: ContinuousClock.Instant) {
        known = known.filter { $0.value.expires > now }
        if known.count >= capacity {
            known = Dictionary(uniqueKeysWithValues: known.prefix(known.count / 2).map { ($0.key, $0.value) })
        }
    }

    /// Forgets every cached entry of the key (after a revocation or change).
    func invalidate(keyID: UUID) {
        state.withLock { state in
            state.known = state.known.filter { $0.value.principal.key.id != keyID }
        }
    }

    /// Forgets every cached key of the team (after its settings changed).
    func invalidate(teamID: UUID) {
        state.withLock { state in
            state.known = state.known.filter { $0.value.principal.team.id != teamID }
        }
    }
}
