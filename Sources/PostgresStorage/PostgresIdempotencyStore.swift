import Foundation
import Governance
import Logging
import PostgresNIO

/// Idempotency keys in PostgreSQL (`idempotency_keys`): claimed by one conditional insert, so two
/// replicas never both execute a key.
public struct PostgresIdempotencyStore: IdempotencyStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func claim(_ claim: IdempotencyClaim, now: Date) async throws -> IdempotencyClaimResult {
        // An expired entry, or a claim left running by a replica that died, is taken over in the
        // same statement; a live one is left as it is.
        let inserted = try await client.query("""
            INSERT INTO idempotency_keys AS k (key_id, idempotency_key, body_hash, request_id, streamed, created_at, expires_at)
            VALUES (\(claim.keyID), \(claim.key), \(ByteBuffer(bytes: claim.bodyHash)), \(claim.requestID), \(claim.streamed), \(now), \(claim.expiresAt))
            ON CONFLICT (key_id, idempotency_key) DO UPDATE SET
                body_hash = EXCLUDED.body_hash, request_id = EXCLUDED.request_id, streamed = EXCLUDED.streamed, done = false,
                status = NULL, content_type = NULL, body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
                WHERE k.expires_at <= \(now) OR (NOT k.done AND k.created_at < \(claim.staleBefore))
            RETURNING 1
            """, logger: logger)
        for try await _ in inserted { return .claimed }
        let rows = try await client.query("""
            SELECT body_hash, request_id, streamed, done, status, content_type, body, header_names, header_values
            FROM idempotency_keys WHERE key_id = \(claim.keyID) AND idempotency_key = \(claim.key)
            """, logger: logger)
        for try await (hash, requestID, streamed, done, status, contentType, body, names, values) in rows.decode(
            (ByteBuffer, String, Bool, Bool, Int?, String?, ByteBuffer?, [String], [String]).self)
        {
            guard Array(buffer: hash) == claim.bodyHash else { return .mismatch(requestID: requestID) }
            guard done, let status else { return .inProgress(requestID: requestID) }
            return .done(requestID: requestID, streamed: streamed,
                         answer: IdempotentAnswer(status: status, contentType: contentType, body: body.map { Array(buffer: $0) },
                                                  headers: zip(names, values).map { (name: $0, value: $1) }))
        }
        // Deleted between the two statements (purged or released): try once more.
        return try await self.claim(claim, now: now)
    }

    public func complete(keyID: UUID, key: String, requestID: String, answer: IdempotentAnswer) async throws {
        try await client.query("""
            UPDATE idempotency_keys SET done = true, status = \(answer.status), content_type = \(answer.contentType),
                body = \(answer.body.map { ByteBuffer(bytes: $0) }),
                header_names = \(answer.headers.map(\.name)), header_values = \(answer.headers.map(\.value))
            WHERE key_id = \(keyID) AND idempotency_key = \(key) AND request_id = \(requestID)
            """, logger: logger)
    }

    public func release(keyID: UUID, key: String, requestID: String) async throws {
        try await client.query(
            "DELETE FROM idempotency_keys WHERE key_id = \(keyID) AND idempotency_key = \(key) AND request_id = \(requestID) AND NOT done",
            logger: logger)
    }

    public func purgeExpired(now: Date) async throws -> Int {
        let rows = try await client.query("DELETE FROM idempotency_keys WHERE expires_at <= \(now) RETURNING 1", logger: logger)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
