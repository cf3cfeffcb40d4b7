/// How one attempt at an upstream ended. Every attempt ends in exactly one of these, and
/// `AttemptPolicy` alone says what each means for the client, the books, the route and health.
///
/// The cases say what happened, not which error was thrown: whether bytes left for the upstream,
/// whether the client already had some, and who ended the call.
public enum AttemptOutcome: Sendable, Hashable {
    /// The upstream answered and the answer was delivered.
    case answered
    /// No connection could be made: nothing left the gateway.
    case unreachable
    /// The request cannot be put in this provider's terms: it was never sent.
    case unsupported
    /// The gateway stopped before sending (it is shutting down): nothing left it.
    case withdrawn
    /// The upstream answered with an error status (`retryAfter` in seconds when it sent one).
    case upstreamStatus(Int, retryAfter: Double?)
    /// Sent, then failed before the client had a byte of an answer.
    case failedAfterSending(SendFailure)
    /// The upstream cut a stream after the client had its first event.
    case cutMidStream
    /// The client left before the answer was delivered (it reset or closed the connection).
    case abandoned
    /// The gateway cut the call: shutting down past its grace period.
    case cutAtShutdown
    /// The gateway cut the call: the request's deadline passed.
    case cutAtDeadline

    /// What went wrong after a request was sent.
    public enum SendFailure: Sendable, Hashable {
        /// No answer in time.
        case timeout
        /// The connection closed before the answer.
        case reset
        /// An answer that is not the provider's protocol (or impossible usage).
        case badAnswer
    }

    /// The outcome's name in metrics (`tollgate_attempts_total{outcome}`).
    public var metricName: String {
        switch self {
        case .answered: "answered"
        case .unreachable: "unreachable"
        case .unsupported: "unsupported"
        case .withdrawn: "withdrawn"
        case .upstreamStatus: "upstream_status"
        case .failedAfterSending(.timeout): "timeout"
        case .failedAfterSending(.reset): "reset"
        case .failedAfterSending(.badAnswer): "bad_answer"
        case .cutMidStream: "cut_mid_stream"
        case .abandoned: "abandoned"
        case .cutAtShutdown: "cut_at_shutdown"
        case .cutAtDeadline: "cut_at_deadline"
        }
    }

    /// Whether the request reached the upstream, so the provider may bill it.
    public var wasSent: Bool {
        switch self {
        case .unreachable, .unsupported, .withdrawn: false
        default: true
        }
    }
}
