/// What an attempt's outcome means, in four answers: the status the client gets if this attempt
/// is the last, the usage row, whether the request moves on, and what the deployment's health
/// records. One table, the only place these are decided.
///
/// | outcome | row | client | moves on | health |
/// | --- | --- | --- | --- | --- |
/// | answered | as reported, 200 | 200 | no | success |
/// | unreachable | none | 502 | next deployment | failure |
/// | unsupported | none | 400 | next model | — |
/// | withdrawn (shutting down before sending) | none | 503 | no | — |
/// | upstream 401, 403, 408, 429, 5xx | its status, no tokens | see below | next deployment | failure (with `retry-after`) |
/// | upstream 400, 404, 413, 422, … | its status, no tokens | see below | no | success |
/// | failed after sending: timeout | estimated, 504 | 504 | next deployment | failure |
/// | failed after sending: reset, bad answer | estimated, 502 | 502 | next deployment | failure |
/// | cut mid-stream by the upstream | estimated, 502 | (in the stream) | no | failure |
/// | abandoned by the client | estimated, 499 | 499 | no | — |
/// | cut at shutdown | estimated, 503 | 503 | no | — |
/// | cut at the deadline | estimated, 504 | 504 | no | — |
///
/// An upstream's error status reaches the client as it is where it is the request's (400, 404,
/// 409, 413, 422) or a rate limit (429); 503 and Anthropic's 529 as 503, 504 as 504, anything else
/// (401/403 of the gateway's own provider key, 5xx) as 502.
///
/// A row is written for every attempt that reached an upstream, since the provider may bill it;
/// once the client has a byte nothing falls back; a client that leaves, a shutdown or the
/// request's own deadline is never the deployment's fault.
public enum AttemptPolicy {
    public struct Decision: Sendable, Hashable {
        public var row: Row
        /// The status the client is answered with when no other attempt follows.
        public var clientStatus: Int
        public var next: Next
        public var health: Health
    }

    /// The usage row of an attempt.
    public enum Row: Sendable, Hashable {
        /// Nothing reached the upstream: no row, the reservation is released.
        case none
        /// The usage the upstream reported (or counted from the answer), with this status.
        case reported(status: Int)
        /// The upstream answered an error: no tokens, this status.
        case noTokens(status: Int)
        /// Usage estimated from what is known, never below it (see `AttemptSettlement`).
        case estimated(status: Int)

        public var status: Int? {
            switch self {
            case .none: nil
            case .reported(let status), .noTokens(let status), .estimated(let status): status
            }
        }
    }

    /// Where the request goes after this attempt.
    public enum Next: Sendable, Hashable {
        /// This attempt's answer is the request's.
        case stop
        /// The deployment failed: its model's next deployment, then the next model.
        case nextDeployment
        /// The model cannot take the request: the next model.
        case nextModel
    }

    /// What the deployment's breaker records.
    public enum Health: Sendable, Hashable {
        case success
        /// A failure; `retryAfter` (seconds) is the upstream's own request to wait.
        case failure(retryAfter: Double?)
        /// Not the deployment's doing.
        case none
    }

    /// Statuses that mean the deployment, not the request, failed: the gateway's provider key was
    /// refused (401, 403), the upstream timed out (408), is rate limited (429) or failing (5xx).
    public static func isDeploymentFailure(status: Int) -> Bool {
        [401, 403, 408, 429].contains(status) || status >= 500
    }

    /// The status the client sees for an upstream's error status.
    public static func clientStatus(upstream status: Int) -> Int {
        switch status {
        case 400, 404, 409, 413, 422, 429: status
        case 503, 529: 503
        case 504: 504
        default: 502
        }
    }

    public static func decide(_ outcome: AttemptOutcome) -> Decision {
        switch outcome {
        case .answered:
            Decision(row: .reported(status: 200), clientStatus: 200, next: .stop, health: .success)
        case .unreachable:
            Decision(row: .none, clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))
        case .unsupported:
            Decision(row: .none, clientStatus: 400, next: .nextModel, health: .none)
        case .withdrawn:
            Decision(row: .none, clientStatus: 503, next: .stop, health: .none)
        case .upstreamStatus(let status, let retryAfter):
            isDeploymentFailure(status: status)
                ? Decision(row: .noTokens(status: status), clientStatus: clientStatus(upstream: status), next: .nextDeployment,
                           health: .failure(retryAfter: retryAfter))
                : Decision(row: .noTokens(status: status), clientStatus: clientStatus(upstream: status), next: .stop, health: .success)
        case .failedAfterSending(.timeout):
            Decision(row: .estimated(status: 504), clientStatus: 504, next: .nextDeployment, health: .failure(retryAfter: nil))
        case .failedAfterSending(.reset), .failedAfterSending(.badAnswer):
            Decision(row: .estimated(status: 502), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))
        case .cutMidStream:
            Decision(row: .estimated(status: 502), clientStatus: 502, next: .stop, health: .failure(retryAfter: nil))
        case .abandoned:
            Decision(row: .estimated(status: 499), clientStatus: 499, next: .stop, health: .none)
        case .cutAtShutdown:
            Decision(row: .estimated(status: 503), clientStatus: 503, next: .stop, health: .none)
        case .cutAtDeadline:
            Decision(row: .estimated(status: 504), clientStatus: 504, next: .stop, health: .none)
        }
    }
}
