import Foundation
import Governance
import Hummingbird
import HTTPTypes
import Logging
import Metering
import OpenAIWire
import Pricing
import Providers

/// Every failure a caller can see, as an HTTP status and OpenAI's error envelope.
///
/// Built through the static members below, so the mapping of each failure to a status, a type, a
/// code and a log level lives in this one file.
public struct GatewayError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let envelope: ErrorEnvelope
    public var headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, type: String, param: String? = nil, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.envelope = ErrorEnvelope(message: message, type: type, param: param, code: code)
        self.headers = headers
    }

    /// Client errors are the caller's to fix and logged quietly; the rest are ours or upstream's.
    var logLevel: Logger.Level {
        status.code < 500 ? .debug : .warning
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        if AnthropicEnvelope.applies(to: request.uri.path) {
            return Response(status: status, headers: headers, body: .init(byteBuffer: AnthropicEnvelope.body(status: Int(status.code), envelope).jsonBytes))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: try WireCoding.encode(envelope)))
    }

    // MARK: The caller's request

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> GatewayError {
        GatewayError(.badRequest, message, type: "invalid_request_error", param: param, code: code)
    }

    static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(.contentTooLarge, "The request body is larger than the limit of \(limit) bytes.",
                     type: "invalid_request_error", code: "request_too_large")
    }

    static func notFound(_ message: String, code: String? = "not_found") -> GatewayError {
        GatewayError(.notFound, message, type: "invalid_request_error", code: code)
    }

    static func modelNotFound(_ model: String, hint: String = "") -> GatewayError {
        GatewayError(.notFound, "The model '\(model)' does not exist or is not configured on this gateway.\(hint)",
                     type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    static func modelRetired(_ model: String, on day: String, replacement: String?) -> GatewayError {
        let instead = replacement.map { " Use '\($0)' instead." } ?? ""
        return GatewayError(.notFound, "The model '\(model)' was retired by its provider on \(day) and is no longer served.\(instead)",
                            type: "invalid_request_error", param: "model", code: "model_retired")
    }

    static func modelNotAllowed(_ model: String, key: String) -> GatewayError {
        GatewayError(.forbidden, "The API key '\(key)' is not allowed to use the model '\(model)'.",
                     type: "permission_error", param: "model", code: "model_not_allowed")
    }

    /// 400 `no_route`: `auto` (or no model) with no route for the task and no default route.
    static func noRoute(_ message: String) -> GatewayError {
        GatewayError(.badRequest, "Cannot choose a model: \(message). Name a model, or add the route to tollgate.yaml (routes:) or to the team (PATCH /admin/teams/{id}).",
                     type: "invalid_request_error", param: "model", code: "no_route")
    }

    /// 400 `model_cannot_take_request`: the model lacks what the request needs (images, tools, context).
    static func modelCannotTake(_ model: String, because reason: String) -> GatewayError {
        GatewayError(.badRequest, "The model '\(model)' cannot take this request: \(reason).",
                     type: "invalid_request_error", param: "model", code: "model_cannot_take_request")
    }

    /// 400 `no_candidate`: every model of the route was skipped; the message lists why.
    static func noCandidate(_ reasons: [String]) -> GatewayError {
        GatewayError(.badRequest, "No model of the route can serve this request: " + reasons.joined(separator: " "),
                     type: "invalid_request_error", param: "model", code: "no_candidate")
    }

    /// 503 `deployments_resting`: every deployment that could serve the request is in its
    /// cooldown after failures.
    /// 429 `upstream_retry_after`: every deployment that could serve the request is inside the
    /// `retry-after` its upstream asked for; no call is made until it passes.
    static func upstreamAskedToWait(_ deployments: [String], retryAfter: Int) -> GatewayError {
        GatewayError(.tooManyRequests,
                     "Every deployment that could serve this request asked to be left alone for a while (\(deployments.joined(separator: ", "))). Try again in \(max(retryAfter, 1)) s.",
                     type: "upstream_error", code: "upstream_retry_after", headers: [.retryAfter: "\(max(retryAfter, 1))"])
    }


    static func conflict(_ message: String) -> GatewayError {
        GatewayError(.conflict, message, type: "invalid_request_error", code: "conflict")
    }

    // MARK: Authentication

    static func unauthorized(_ message: String, code: String = "invalid_api_key") -> GatewayError {
        GatewayError(.unauthorized, message, type: "authentication_error", code: code,
                     headers: [.wwwAuthenticate: "Bearer"])
    }

    // MARK: Budgets and rate limits

    /// 429 `insufficient_quota`: the request does not fit under a hard limit (or its model has no
    /// price and the scope is budgeted). Names the scope, limit, spend and reset; SDKs must not retry.
    static func budgetExceeded(_ rejection: BudgetRejection, key: String, now: Date) -> GatewayError {
        let scope = rejection.scope
        // An end user's limit is the key's, applied to each of its end users: both are named.
        let who = switch scope.kind {
        case .endUser: "end user '\(scope.name)' of key '\(key)'"
        case .team, .key, .run: "\(scope.kind.rawValue) '\(scope.name)'"
        }
        let resetsIn = scope.period.secondsUntilReset(from: now)
        let reset = Timestamp.format(scope.period.end)
        let message: String
        switch rejection.reason {
        case .hardLimit:
            let limit = scope.hardLimit.map { "$\($0)" } ?? "none"
            let estimate = rejection.estimate.map { ", this request needs up to $\($0)" } ?? ""
            // A run's budget does not reset: it lasts as long as the run.
            let ends = scope.kind == .run
                ? "The run's budget lasts until the run ends, 24 hours after its last call (\(reset) if no call comes sooner)."
                : "The budget resets at \(reset)."
            message = "Budget exceeded for \(who): \(scope.kind == .run ? "run" : "monthly") limit \(limit), spent $\(scope.spent)"
                + (scope.reserved > .zero ? " (+$\(scope.reserved) reserved by requests in flight)" : "")
                + "\(estimate). \(ends)"
        case .unpricedModel(let model):
            message = "The model '\(model)' has no price, so it cannot be charged to the budget of \(who). Add its price (POST /admin/prices, or a price file in --pricing-dir) or use a priced model."
        }
        return GatewayError(.tooManyRequests, message, type: "insufficient_quota", code: "insufficient_quota", headers: [
            .shouldRetry: "false", .retryAfter: "\(resetsIn)",
        ])
    }

    /// 409 `run_budget_conflict`: `X-Tollgate-Run-Budget` differs from the budget the run's first
    /// request set (a run's budget is fixed for its life).
    static func runBudgetConflict(run: String, asked: Money, set: Money?) -> GatewayError {
        let current = set.map { "$\($0.decimalString)" } ?? "no budget"
        return GatewayError(.conflict,
                            "The run '\(run)' is running with \(current); X-Tollgate-Run-Budget asks for $\(asked.decimalString). A run's budget is set by its first request and lasts until the run ends, 24 hours after its last call. Send the same budget, or none, or start a new run.",
                            type: "invalid_request_error", param: "X-Tollgate-Run-Budget", code: "run_budget_conflict")
    }

    /// 429 `too_many_failed_attempts`: this client address failed authentication too often in the
    /// last minute; no key is looked up until `retry-after` has passed.
    static func tooManyFailedAttempts(retryAfter: Int) -> GatewayError {
        GatewayError(
            .tooManyRequests, "Too many requests with an invalid API key from this address. Try again in \(retryAfter) s.",
            type: "invalid_request_error", code: "too_many_failed_attempts", headers: [.retryAfter: "\(retryAfter)", .shouldRetry: "false"])
    }

    /// 429 `rate_limit_exceeded`: the key's requests or tokens per minute are used up; SDKs retry
    /// after `retry-after` seconds.
    static func rateLimited(_ limit: RateDecision.Limit, key: String, limitValue: Int?, retryAfter: Int) -> GatewayError {
        let unit = limit == .requests ? "requests" : "tokens"
        return GatewayError(
            .tooManyRequests,
            "Rate limit reached for API key '\(key)': \(limitValue.map(String.init) ?? "?") \(unit) per minute. Try again in \(retryAfter) s.",
            type: unit, code: "rate_limit_exceeded", headers: [.retryAfter: "\(retryAfter)", .shouldRetry: "true"])
    }

    // MARK: Upstream and internal

    /// An upstream failure, keeping the upstream's status where it means something to the caller.
    /// The upstream's failure as the client sees it; `status` is the attempt policy's (see
    /// `AttemptPolicy`), else the kind's own.
    static func upstream(_ error: ProviderError, status code: Int? = nil) -> GatewayError {
        let status: HTTPResponse.Status
        if let code {
            status = .init(code: code)
        } else {
            switch error.kind {
            case .timeout: status = .gatewayTimeout
            case .unreachable, .badResponse: status = .badGateway
            case .unsupported: status = .badRequest
            case .cancelled: status = .serviceUnavailable
            case .upstreamStatus(let upstream): status = .init(code: AttemptPolicy.clientStatus(upstream: upstream))
            }
        }
        var headers: HTTPFields = [:]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = retryAfter }
        return GatewayError(status, error.envelope.error.message, type: error.envelope.error.type,
                            param: error.envelope.error.param, code: error.envelope.error.code, headers: headers)
    }

    static func `internal`(_ message: String = "The gateway failed to handle the request.") -> GatewayError {
        GatewayError(.internalServerError, message, type: "server_error", code: "internal_error")
    }

    /// 503 `metering_unavailable`: the usage spool is full or cannot be written, so a call could
    /// not be billed; it is refused before it reaches an upstream.
    static let meteringUnavailable = GatewayError(
        .serviceUnavailable, "Usage cannot be recorded right now (the gateway's usage spool is full or unwritable), so no call is served; try again shortly.",
        type: "server_error", code: "metering_unavailable", headers: [.retryAfter: "5"])

    static func unavailable(_ message: String) -> GatewayError {
        GatewayError(.serviceUnavailable, message, type: "server_error", code: "service_unavailable")
    }
}
