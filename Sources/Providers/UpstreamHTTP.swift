import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpenAIWire

/// The HTTP plumbing every provider shares: send a JSON body, read bounded answers, and turn
/// transport failures and error statuses into `ProviderError`s.
public struct UpstreamHTTP: Sendable {
    public let client: HTTPClient
    /// How long one upstream request may take in all, streams included.
    public let requestDeadline: TimeAmount
    /// The largest non-streamed answer read from an upstream.
    public let maxResponseBytes: Int

    public init(client: HTTPClient, requestDeadline: TimeAmount = .minutes(30), maxResponseBytes: Int = 64 * 1024 * 1024) {
        self.client = client
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
        request.body = .bytes(body)
        do {
            // AsyncHTTPClient tags the logger it is given on every request; it only logs at debug
            // and below, so below that it gets none.
            return try await client.execute(request, timeout: requestDeadline, logger: logger.logLevel <= .debug ? logger : nil)
        } catch {
            throw Self.providerError(error, provider: provider)
        }
    }

    /// Reads a whole answer as a JSON object.
    func json(_ response: HTTPClientResponse, provider: String) async throws -> [String: JSONValue] {
        let bytes = try await collect(response, provider: provider)
        guard let object = try? WireCoding.decode(JSONValue.self, from: bytes).objectValue else {
            throw ProviderError.badResponse(provider, "the body is not a JSON object")
        }
        return object
    }

    func collect(_ response: HTTPClientResponse, provider: String) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: maxResponseBytes)
        } catch {
            throw Self.providerError(error, provider: provider)
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

    /// Maps a transport error to timeout (504) or unreachable (502).
    static func providerError(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout:
                return .timeout(provider)
            case .connectTimeout:
                return .unreachable(provider, "connection timed out")
            default:
                return .unreachable(provider, "\(error)")
            }
        }
        if error is NIOTooManyBytesError {
            return .badResponse(provider, "the answer is larger than allowed")
        }
        return .unreachable(provider, "\(error)")
    }
}
