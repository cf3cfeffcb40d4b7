import OpenAIWire

/// An upstream that failed: it answered an error, could not be reached, timed out, or sent
/// something that is not its protocol.
public struct ProviderError: Error, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The upstream answered with an error status.
        case upstreamStatus(Int)
        case unreachable
        case timeout
        case badResponse
        /// The request cannot be put in the provider's terms; it was never sent.
        case unsupported
        /// The call's task was cancelled before the answer was complete: the gateway cut it at
        /// shutdown, past its grace period.
        case cancelled
    }

    public let kind: Kind
    /// The error in OpenAI's shape, with the upstream's message where it sent one.
    public let envelope: ErrorEnvelope
    /// The upstream's `retry-after`, passed on to the caller.
    public let retryAfter: String?
    /// Whether the request had gone out to the upstream (its head written on a connection) when it
    /// failed. A sent request may be billed by the provider, so it is metered; one that never left
    /// (no connection, or not expressible for the provider) is not.
    public var requestSent: Bool

    public init(kind: Kind, envelope: ErrorEnvelope, retryAfter: String? = nil, requestSent: Bool = true) {
        self.kind = kind
        self.envelope = envelope
        self.retryAfter = retryAfter
        self.requestSent = requestSent && kind != .unsupported
    }

    public static func unreachable(_ provider: String, _ detail: String, requestSent: Bool = false) -> ProviderError {
        ProviderError(kind: .unreachable, envelope: ErrorEnvelope(
            message: "The upstream provider '\(provider)' could not be reached: \(detail)", type: "upstream_error", code: "upstream_unreachable"),
            requestSent: requestSent)
    }

    public static func cancelled(_ provider: String, requestSent: Bool) -> ProviderError {
        ProviderError(kind: .cancelled, envelope: ErrorEnvelope(
            message: "The gateway is shutting down and cut the call to '\(provider)' before it finished.", type: "server_error", code: "gateway_shutting_down"),
            requestSent: requestSent)
    }

    public static func timeout(_ provider: String) -> ProviderError {
        ProviderError(kind: .timeout, envelope: ErrorEnvelope(
            message: "The upstream provider '\(provider)' did not answer in time.", type: "upstream_error", code: "upstream_timeout"))
    }

    public static func badResponse(_ provider: String, _ detail: String) -> ProviderError {
        ProviderError(kind: .badResponse, envelope: ErrorEnvelope(
            message: "The upstream provider '\(provider)' sent an invalid response: \(detail)", type: "upstream_error", code: "upstream_bad_response"))
    }
}
