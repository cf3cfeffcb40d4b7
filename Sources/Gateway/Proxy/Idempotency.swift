import Crypto
import Foundation
import Governance
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import PostgresStorage

/// `Idempotency-Key`: a request carrying one is executed and billed at most once per key and API
/// key within `lifetime`. A repeat after completion gets the kept answer (a stream's repeat gets
/// 409 `idempotency_stream_replay`), a repeat while the first runs gets 409
/// `idempotency_in_progress`, the key with another body 422 `idempotency_key_reused`.
///
/// Only an answer is kept: a request that fails before its answer (no upstream would take it, a
/// budget refused it, the client left) gives its key up, so the retry the client makes executes.
struct IdempotencyGuard: Sendable {
    let store: any IdempotencyStore
    let clock: @Sendable () -> Date
    /// How long a key holds: 24 hours.
    var lifetime: TimeInterval = 24 * 3600
    /// A claim still running after this long was left by a replica that died mid-call: taken over.
    var staleAfter: TimeInterval = 15 * 60

    /// The header's key, validated; nil when the request carries none.
    static func key(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard IdempotencyClaim.isValidKey(key) else {
            throw GatewayError.invalidRequest(
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters.", code: "invalid_idempotency_key")
        }
        return key
    }

    /// Runs `perform` once for `key`, or answers from what an earlier request with it left.
    func run(
        key: String, request: Request, body: ByteBuffer, principal: Principal, streamed: Bool, context: TollgateRequestContext,
        perform: () async throws -> Response
    ) async throws -> Response {
        let now = clock()
        let claim = IdempotencyClaim(
            keyID: principal.key.id, key: key, bodyHash: Self.hash(request, body: body), requestID: context.requestID,
            streamed: streamed, expiresAt: now.addingTimeInterval(lifetime), staleBefore: now.addingTimeInterval(-staleAfter))
        let claimed: IdempotencyClaimResult
        do {
            claimed = try await store.claim(claim, now: now)
        } catch {
            // Without the shared record the gateway cannot promise once: it refuses rather than
            // risk a second execution.
            context.requestLogger.error("idempotency store failed", metadata: [LogKey.error: "\(loggable(error))"])
            throw GatewayError.unavailable("The gateway cannot check the Idempotency-Key now; retry shortly.")
        }
        switch claimed {
        case .claimed:
            break
        case .inProgress(let original):
            throw GatewayError(
                .conflict, "A request with this Idempotency-Key (\(original)) is still running; retry once it has answered.",
                type: "invalid_request_error", code: "idempotency_in_progress")
        case .mismatch(let original):
            throw GatewayError(
                .unprocessableContent, "This Idempotency-Key was used by request \(original) with a different body; use a new key.",
                type: "invalid_request_error", code: "idempotency_key_reused")
        case .done(let original, let wasStreamed, let answer):
            guard !wasStreamed, let kept = answer.body else {
                throw GatewayError(
                    .conflict, "A streamed request with this Idempotency-Key (\(original)) already ran; streams are not replayed.",
                    type: "invalid_request_error", code: "idempotency_stream_replay")
            }
            var headers = HTTPFields()
            if let contentType = answer.contentType { headers[.contentType] = contentType }
            for header in answer.headers {
                if let name = HTTPField.Name(header.name) { headers[name] = header.value }
            }
            headers[.tollgateIdempotentReplay] = "true"
            headers[.tollgateOriginalRequestID] = original
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: kept)))
        }

        let release = { @Sendable in
            do {
                try await store.release(keyID: claim.keyID, key: key, requestID: claim.requestID)
            } catch {
                // The claim then stands until it is stale: a retry meanwhile gets 409.
                context.requestLogger.warning("idempotency key not released", metadata: [LogKey.error: "\(loggable(error))"])
            }
        }
        var response: Response
        do {
            response = try await perform()
        } catch {
            await release()
            throw error
        }
        let status = response.status.code
        let contentType = response.headers[.contentType]
        // What served the answer is part of it; the budget left then is not (it is stale on a replay).
        let served = Self.replayedHeaders.compactMap { name in response.headers[name].map { (name: name.canonicalName, value: $0) } }
        let keep = { @Sendable (body: [UInt8]?) -> Bool in
            do {
                try await store.complete(keyID: claim.keyID, key: key, requestID: claim.requestID, answer: IdempotentAnswer(status: status, contentType: contentType, body: body, headers: served))
                return true
            } catch {
                // The client still gets its answer; the key is given up, so a repeat executes again.
                context.requestLogger.error("idempotent answer not kept", metadata: [LogKey.error: "\(loggable(error))"])
                return false
            }
        }
        let original = response.body
        response.body = ResponseBody(contentLength: original.contentLength) { writer in
            let state = KeepState()
            do {
                try await original.write(KeepingWriter(parent: writer, state: state, streamed: streamed, keep: keep))
            } catch {
                if !state.kept { await release() }
                throw error
            }
            if !state.kept { await release() }
        }
        return response
    }

    static let replayedHeaders: [HTTPField.Name] = [.tollgateModel, .tollgateProvider, .tollgateAttempts, .tollgateDowngradedFrom]

    /// SHA-256 of the method, the path and the body.
    static func hash(_ request: Request, body: ByteBuffer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }
}

/// What the body writer learned: whether the answer was kept. One task writes a body, in order.
private final class KeepState: @unchecked Sendable {
    var kept = false
}

/// Passes the body through while keeping a copy, holding its last byte back until the copy is
/// stored: a client that has the whole answer can count on its replay.
private struct KeepingWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let state: KeepState
    let streamed: Bool
    let keep: @Sendable ([UInt8]?) async -> Bool
    var copy = ByteBuffer()
    var held: ByteBuffer?
    /// A stream that carried an error event failed: its key is given up, not kept.
    var failed = false

    init(parent: any ResponseBodyWriter, state: KeepState, streamed: Bool, keep: @escaping @Sendable ([UInt8]?) async -> Bool) {
        self.parent = parent
        self.state = state
        self.streamed = streamed
        self.keep = keep
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        if streamed {
            if buffer.readableBytesView.starts(with: Self.errorEvent) { failed = true }
        } else {
            copy.writeImmutableBuffer(buffer)
        }
        var out = held ?? ByteBuffer()
        out.writeImmutableBuffer(buffer)
        held = out.getSlice(at: out.writerIndex - 1, length: 1)
        out.moveWriterIndex(to: out.writerIndex - 1)
        if out.readableBytes > 0 { try await parent.write(out) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        if !failed {
            state.kept = await keep(streamed ? nil : Array(buffer: copy))
        }
        if let held { try await parent.write(held) }
        try await parent.finish(trailingHeaders)
    }

    private static let errorEvent = Array("data: {\"error\"".utf8)
}

extension HTTPField.Name {
    static let idempotencyKey = Self("idempotency-key")!
    static let tollgateIdempotentReplay = Self("x-tollgate-idempotent-replay")!
    static let tollgateOriginalRequestID = Self("x-tollgate-original-request-id")!
}
