import Foundation
import Governance
import Synchronization

/// Keys by secret hash, kept for a few seconds so the hot path reads no database.
///
/// Revoking on this server drops the key from the cache at once; another replica's cache forgets
/// it within `timeToLive`.
final class PrincipalCache: Sendable {
    private struct Entry {
        var principal: Principal?
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let timeToLive: Duration
    private let capacity: Int
    private let store: any KeyStore

    init(store: any KeyStore, timeToLive: Duration = .seconds(5), capacity: Int = 100_000) {
        self.store = store
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    /// The principal for a secret hash, from the cache or the store; nil for an unknown key.
    func principal(secretHash: String) async throws -> Principal? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[secretHash] }), entry.expires > now {
            return entry.principal
        }
        let principal = try await store.principal(secretHash: secretHash)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[secretHash] = Entry(principal: principal, expires: now + timeToLive)
        }
        return principal
    }

    /// Forgets every cached entry of the key (after a revocation or change).
    func invalidate(keyID: UUID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.principal?.key.id != keyID }
        }
    }

    /// Forgets every cached key of the team (after its settings changed).
    func invalidate(teamID: UUID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.principal?.team.id != teamID }
        }
    }
}
