import Foundation
import Governance
import PostgresNIO
import PostgresStorage
import Testing
import TollgateTestSupport

/// The shared record of idempotency keys: one claim wins under concurrency, a finished key is kept
/// until it expires, a claim left running by a dead replica is taken over, expired keys are purged.
@Suite struct IdempotencyStoreTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func claim(_ key: String, request: String, body: UInt8 = 1, at now: Date = start, keyID: UUID) -> IdempotencyClaim {
        IdempotencyClaim(
            keyID: keyID, key: key, bodyHash: [body], requestID: request, streamed: false,
            expiresAt: now.addingTimeInterval(86_400), staleBefore: now.addingTimeInterval(-900))
    }

    @Test func oneOfManyConcurrentClaimsWins() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresIdempotencyStore(client: client, logger: TestPostgres.logger)
            let keyID = UUID()
            let results = try await withThrowingTaskGroup(of: IdempotencyClaimResult.self) { group in
                for n in 0..<16 {
                    group.addTask { try await store.claim(Self.claim("k", request: "req_\(n)", keyID: keyID), now: Self.start) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .claimed }.count == 1)
            #expect(results.filter { if case .inProgress = $0 { true } else { false } }.count == 15)
        }
    }

    @Test func aKeyIsKeptUntilItExpiresAndStaleClaimsAreTakenOver() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresIdempotencyStore(client: client, logger: TestPostgres.logger)
            let keyID = UUID()
            #expect(try await store.claim(Self.claim("done", request: "req_a", keyID: keyID), now: Self.start) == .claimed)
            let answer = IdempotentAnswer(status: 200, contentType: "application/json", body: Array("{}".utf8))
            try await store.complete(keyID: keyID, key: "done", requestID: "req_a", answer: answer)
            let later = Self.start.addingTimeInterval(3600)
            #expect(try await store.claim(Self.claim("done", request: "req_b", at: later, keyID: keyID), now: later)
                == .done(requestID: "req_a", streamed: false, answer: answer))
            #expect(try await store.claim(Self.claim("done", request: "req_b", body: 2, at: later, keyID: keyID), now: later)
                == .mismatch(requestID: "req_a"))

            // A claim that never finished is taken over once it is stale; the old request's
            // release then leaves the new claim alone.
            #expect(try await store.claim(Self.claim("left", request: "req_c", keyID: keyID), now: Self.start) == .claimed)
            #expect(try await store.claim(Self.claim("left", request: "req_d", at: later, keyID: keyID), now: later) == .claimed)
            try await store.release(keyID: keyID, key: "left", requestID: "req_c")
            #expect(try await store.claim(Self.claim("left", request: "req_e", at: later, keyID: keyID), now: later) == .inProgress(requestID: "req_d"))

            // A day on, both are expired and purged.
            let nextDay = Self.start.addingTimeInterval(86_400 + 3601)
            #expect(try await store.purgeExpired(now: nextDay) == 2)
            #expect(try await store.claim(Self.claim("done", request: "req_f", at: nextDay, keyID: keyID), now: nextDay) == .claimed)
        }
    }
}
