import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpenAIWire
import Synchronization

/// The HTTP plumbing every provider shares: send a JSON body, read bounded answers, and turn
/// transport failures and error statuses into `ProviderError`s.
public struct UpstreamHTTP: Sendable {
    public let clients: LoopLocalHTTPClients
    /// How long one upstream request may take in all, streams included.
    public let requestDeadline: TimeAmount
    /// The largest non-streamed answer read from an upstream.
    public let maxResponseBytes: Int

    /// A request's routing deadline: an upstream call made while it is bound must have its answer
    /// started by then (connection and response head; a stream's body may run on after it).
    @TaskLocal public static var answerDeadline: NIODeadline?

    public init(clients: LoopLocalHTTPClients, requestDeadline: TimeAmount = .minutes(30), maxResponseBytes: Int = 64 * 1024 * 1024) {
        self.clients = clients
        self.requestDeadline = requestDeadline
        self.maxResponseBytes = maxResponseBytes
    }

    /// POSTs `body` as JSON and returns the response head with its body still to be read.
    func post(_ url: String, headers: [(String, String)], body: ByteBuffer, provider: String, logger: Logger) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json, text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let sent = RequestSentFlag()
        request.body = .bytes(SentMarkingBytes(buffer: body, sent: sent), length: .known(Int64(body.readableBytes)))
        do {
            // AsyncHTTPClient tags the logger it is given on every request; it only logs at debug
            // and below, so below that it gets none.
            // AsyncHTTPClient's deadline holds until the response head has arrived.
            let deadline = min(NIODeadline.now() + requestDeadline, Self.answerDeadline ?? .distantFuture)
            return try await clients.current.execute(request, deadline: deadline, logger: logger.logLevel <= .debug ? logger : nil)
        } catch {
            throw Self.providerError(error, provider: provider, requestSent: sent.value)
        }
    }

    /// Reads a whole answer as a JSON object.
    func json(_ response: HTTPClientResponse, provider: String) async throws -> [String: JSONValue] {
        try await jsonWithBytes(response, provider: provider).object
    }

    /// A JSON object answer with the bytes it came as; nil bytes when it names a member twice (a
    /// client might read the other one).
    func jsonWithBytes(_ response: HTTPClientResponse, provider: String) async throws -> (object: [String: JSONValue], bytes: ByteBuffer?) {
        let bytes = try await collect(response, provider: provider)
        guard let parsed = try? JSONParser.parseNotingDuplicates(Array(bytes.readableBytesView)), let object = parsed.value.objectValue else {
            throw ProviderError.badResponse(provider, "the body is not a JSON object")
        }
        return (object, parsed.duplicateKeys ? nil : bytes)
    }

    func collect(_ response: HTTPClientResponse, provider: String) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: maxResponseBytes)
        } catch {
            throw Self.providerError(error, provider: provider, requestSent: true)
        }
    }

    /// The error for a non-2xx answer: its status, the provider's message in OpenAI's envelope as
    /// `envelope` reads it, and `retry-after`.
    func failure(
        _ response: HTTPClientResponse, provider: String, envelope: (Int, ByteBuffer) -> ErrorEnvelope?
    ) async -> ProviderError {
        let status = Int(response.status.code)
        let body = (try? await response.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
        let retryAfter = response.headers.first(name: "retry-after")
        let mapped = envelope(status, body) ?? ErrorEnvelope(
            message: "The upstream provider '\(provider)' answered HTTP \(status): \(String(buffer: body).prefix(500))",
            type: "upstream_error", code: "upstream_error")
        return ProviderError(kind: .upstreamStatus(status), envelope: mapped, retryAfter: retryAfter)
    }

    /// Maps a transport error to timeout (504), cancelled (499) or unreachable (502), noting
    /// whether the request had been sent. The caller sees a short description, never the
    /// transport's internals.
    static func providerError(_ error: any Error, provider: String, requestSent: Bool) -> ProviderError {
        if var error = error as? ProviderError {
            error.requestSent = error.requestSent && requestSent
            return error
        }
        if error is CancellationError {
            return .cancelled(provider, requestSent: requestSent)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout:
                return ProviderError.timeout(provider).sent(requestSent)
            case .connectTimeout:
                return .unreachable(provider, "connection timed out", requestSent: requestSent)
            case .cancelled:
                return .cancelled(provider, requestSent: requestSent)
            case .remoteConnectionClosed:
                return .unreachable(provider, "the connection was closed", requestSent: requestSent)
            default:
                return .unreachable(provider, requestSent ? "the connection failed" : "no connection", requestSent: requestSent)
            }
        }
        if error is NIOTooManyBytesError {
            return .badResponse(provider, "the answer is larger than allowed")
        }
        return .unreachable(provider, requestSent ? "the connection failed" : "no connection", requestSent: requestSent)
    }
}

/// Set once AsyncHTTPClient starts writing a request's body, which it does only after the head
/// went out on a connection: from then on the upstream may bill the call.
final class RequestSentFlag: Sendable {
    private let flag = Atomic(false)

    var value: Bool { flag.load(ordering: .acquiring) }

    func mark() { flag.store(true, ordering: .releasing) }
}

/// A request body of one buffer that marks its flag when AsyncHTTPClient reads its bytes.
///
/// AsyncHTTPClient reads a body of known bytes (up to 4 MiB; larger ones in 4 MiB parts) right
/// after the head went out, synchronously on the connection's event loop. A streamed body is read
/// at the same moment, but by a task of its own per request with a suspension per part: this is the
/// same signal for a copy of the body, without the task.
struct SentMarkingBytes: RandomAccessCollection, Sendable {
    let buffer: ByteBuffer
    let sent: RequestSentFlag

    var startIndex: Int { 0 }
    var endIndex: Int { buffer.readableBytes }

    subscript(position: Int) -> UInt8 {
        sent.mark()
        return buffer.getInteger(at: buffer.readerIndex + position, as: UInt8.self)!
    }

    func withContiguousStorageIfAvailable<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        sent.mark()
        return try buffer.readableBytesView.withContiguousStorageIfAvailable(body)
    }
}

extension ProviderError {
    func sent(_ requestSent: Bool) -> ProviderError {
        var error = self
        error.requestSent = requestSent
        return error
    }
}
