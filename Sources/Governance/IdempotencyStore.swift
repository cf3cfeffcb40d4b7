import Foundation

/// Where idempotency keys are claimed and their answers kept, shared by every replica.
///
/// ```swift
/// switch try await store.claim(claim, now: now) {
/// case .claimed: … execute, then store.complete(…) or store.release(…)
/// case .inProgress(let requestID): 409
/// case .done(let stored): replay (or 409 for a stream)
/// case .mismatch: 422
/// }
/// ```
public protocol IdempotencyStore: Sendable {
    /// Claims `claim.key` for `claim.keyID`, taking over one that expired or went stale.
    func claim(_ claim: IdempotencyClaim, now: Date) async throws -> IdempotencyClaimResult
    /// Keeps the answer of the request `requestID` that claimed the key, for replay.
    func complete(keyID: UUID, key: String, requestID: String, answer: IdempotentAnswer) async throws
    /// Gives the claim of `requestID` up (it ended without an answer): the next request executes.
    /// A claim another request has taken over meanwhile is left alone.
    func release(keyID: UUID, key: String, requestID: String) async throws
    /// Deletes entries expired before `now`; returns how many.
    func purgeExpired(now: Date) async throws -> Int
}

/// A request's claim on an idempotency key.
public struct IdempotencyClaim: Sendable, Hashable {
    public var keyID: UUID
    public var key: String
    /// SHA-256 of the method, path and body: the same key with another body is refused.
    public var bodyHash: [UInt8]
    public var requestID: String
    public var streamed: Bool
    public var expiresAt: Date
    /// A claim still running that was made before this was left by a replica that died mid-call:
    /// it is taken over.
    public var staleBefore: Date

    public init(keyID: UUID, key: String, bodyHash: [UInt8], requestID: String, streamed: Bool, expiresAt: Date, staleBefore: Date) {
        self.keyID = keyID
        self.key = key
        self.bodyHash = bodyHash
        self.requestID = requestID
        self.streamed = streamed
        self.expiresAt = expiresAt
        self.staleBefore = staleBefore
    }

    /// An `Idempotency-Key` header's value: 1 to 255 visible ASCII characters.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 255 && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

/// A kept answer.
public struct IdempotentAnswer: Sendable, Hashable {
    public var status: Int
    public var contentType: String?
    /// nil for a stream: it is not kept, only that it ran.
    public var body: [UInt8]?
    /// The headers that said what served the answer, in order.
    public var headers: [(name: String, value: String)]

    public init(status: Int, contentType: String?, body: [UInt8]?, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }
}

public enum IdempotencyClaimResult: Sendable, Hashable {
    /// This request owns the key: execute it.
    case claimed
    /// Another request with the key is running.
    case inProgress(requestID: String)
    /// A request with the key finished: its answer (a stream's has no body).
    case done(requestID: String, streamed: Bool, answer: IdempotentAnswer)
    /// The key was used with another body.
    case mismatch(requestID: String)
}
