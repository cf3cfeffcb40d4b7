import Foundation
import Governance
import HTTPTypes
import OpenAIWire
import Synchronization
import Testing
import TollgateTestSupport
@testable import Gateway

/// The key cache under failure and abuse: made-up keys cannot evict real ones or flood the
/// database, and a database outage leaves known keys working.
@Suite struct KeyCacheTests {
    /// A key store in memory that counts lookups and can be switched off.
    final class CountingStore: KeyStore {
        let principals: [String: Principal]
        let lookups = Mutex(0)
        let down = Mutex(false)

        init(principals: [String: Principal]) {
            self.principals = principals
        }

        func principal(secretHash: String) async throws -> Principal? {
            lookups.withLock { $0 += 1 }
            if down.withLock({ $0 }) { throw CancellationError() }
            return principals[secretHash]
        }

        func createKey(_ key: NewAPIKey, prefix: String, secretHash: String) async throws -> APIKey { fatalError("unused") }
        func keys(teamID: UUID?) async throws -> [APIKey] { [] }
        func key(id: UUID) async throws -> APIKey? { nil }
        func updateKey(id: UUID, changes: KeyChanges) async throws -> APIKey? { nil }
        func revokeKey(id: UUID) async throws -> APIKey? { nil }
    }

    static let principal: Principal = {
        let team = Team(id: UUID(), name: "t", monthlyBudget: nil, createdAt: Date())
        return Principal(key: APIKey(id: UUID(), teamID: team.id, name: "k", prefix: "tg-abc", models: nil, monthlyBudget: nil,
                                     expiresAt: nil, revokedAt: nil, createdAt: Date()), team: team)
    }()

    @Test func madeUpKeysNeitherEvictKnownOnesNorReachTheStoreTwice() async throws {
        let store = CountingStore(principals: ["real": Self.principal])
        let cache = PrincipalCache(store: store, timeToLive: .seconds(60), capacity: 10, unknownCapacity: 100)
        #expect(try await cache.principal(secretHash: "real") != nil)
        for index in 0..<1_000 { #expect(try await cache.principal(secretHash: "fake-\(index % 50)") == nil) }
        // 50 distinct made-up keys: one lookup each, then the negative cache answers.
        #expect(store.lookups.withLock { $0 } == 51)
        #expect(try await cache.principal(secretHash: "real") != nil)
        #expect(store.lookups.withLock { $0 } == 51)  // still cached: never evicted
    }

    @Test func aKnownKeyWorksWhileTheStoreIsDownAndAnUnknownOneCannotBeChecked() async throws {
        let store = CountingStore(principals: ["real": Self.principal])
        let cache = PrincipalCache(store: store, timeToLive: .milliseconds(1), retryAfterFailure: .seconds(60))
        #expect(try await cache.principal(secretHash: "real") != nil)
        store.down.withLock { $0 = true }
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await cache.principal(secretHash: "real")?.key.id == Self.principal.key.id)
        let lookups = store.lookups.withLock { $0 }
        for _ in 0..<20 { _ = try await cache.principal(secretHash: "real") }
        #expect(store.lookups.withLock { $0 } == lookups)  // the store is not asked again while it is down
        #expect(cache.storeFailing)
        await #expect(throws: (any Error).self) { try await cache.principal(secretHash: "never-seen") }
    }

    @Test(.timeLimit(.minutes(1))) func aStoreThatHangsIsGivenUpOn() async throws {
        struct HangingStore: KeyStore {
            func principal(secretHash: String) async throws -> Principal? {
                try await Task.sleep(for: .seconds(3600))
                return nil
            }
            func createKey(_ key: NewAPIKey, prefix: String, secretHash: String) async throws -> APIKey { fatalError("unused") }
            func keys(teamID: UUID?) async throws -> [APIKey] { [] }
            func key(id: UUID) async throws -> APIKey? { nil }
            func updateKey(id: UUID, changes: KeyChanges) async throws -> APIKey? { nil }
            func revokeKey(id: UUID) async throws -> APIKey? { nil }
        }
        let cache = PrincipalCache(store: HangingStore(), lookupTimeout: .milliseconds(50))
        // Only the lookup's deadline can end a store that sleeps for an hour: the error proves it.
        await #expect(throws: DeadlineExceeded.self) { try await cache.principal(secretHash: "x") }
    }

    @Test func anAddressThatKeepsFailingIsRefusedWithoutALookup() async throws {
        try await GatewayHarness.run(configure: { $0.maxFailedAuthPerMinute = 5 }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            for _ in 0..<5 {
                #expect(try await gateway.send(.get, "/v1/models", bearer: "tg-made-up-\(UUID())").status == .unauthorized)
            }
            let refused = try await gateway.send(.get, "/v1/models", bearer: "tg-made-up-again")
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody()["code"] == "too_many_failed_attempts")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            // The window is per address: this client is refused whatever key it sends now.
            #expect(try await gateway.send(.get, "/v1/models", bearer: key).status == .tooManyRequests)
            #expect(try await gateway.send(.get, "/admin/teams", bearer: gateway.adminKey).status == .tooManyRequests)
        }
    }

    @Test func readinessReportsEachDependency() async throws {
        try await GatewayHarness.run { gateway in
            // Readiness follows pings made every second; on a machine loaded by the rest of the
            // suite one may be late, so the answer is awaited, not taken from the first look.
            var ready = try await gateway.send(.get, "/ready")
            for _ in 0..<40 where ready.status != .ok {
                try await Task.sleep(for: .milliseconds(500))
                ready = try await gateway.send(.get, "/ready")
            }
            #expect(ready.status == .ok)
            let body = try ready.json()
            #expect(body["status"] == "ready")
            #expect(body["checks"]?["database"]?["status"] == "ok")
            #expect(body["checks"]?["usage_spool"]?["status"] == "ok")
        }
    }
}
