import Hummingbird
import HTTPTypes
import Logging
import PostgresStorage

/// The outermost middleware: every response carries `x-tollgate-request-id`, and every failure
/// leaves as OpenAI's error envelope, never as an empty 500.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as GatewayError {
            context.requestLogger.log(level: error.logLevel, "request failed", metadata: [
                LogKey.status: "\(error.status.code)", LogKey.error: "\(error.envelope.error.message)", LogKey.path: "\(request.uri.path)",
            ])
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            response = try Self.translate(error).response(from: request, context: context)
        } catch {
            context.requestLogger.error("unexpected failure", metadata: [LogKey.error: "\(loggable(error))", LogKey.path: "\(request.uri.path)"])
            response = try GatewayError.internal().response(from: request, context: context)
        }
        response.headers[.tollgateRequestID] = context.requestID
        return response
    }

    /// Hummingbird's own errors (no route, wrong method, unreadable body) in the envelope.
    static func translate(_ error: HTTPError) -> GatewayError {
        switch error.status {
        case .notFound:
            return .notFound("No such endpoint. Tollgate serves /v1/chat/completions, /v1/messages, /v1/embeddings, /v1/models and /admin/….", code: "unknown_url")
        case .methodNotAllowed:
            return GatewayError(.methodNotAllowed, "This endpoint does not accept that method.", type: "invalid_request_error", code: "method_not_allowed")
        case .contentTooLarge:
            return GatewayError(.contentTooLarge, "The request body is too large.", type: "invalid_request_error", code: "request_too_large")
        default:
            return GatewayError(error.status, error.body ?? error.status.reasonPhrase, type: error.status.code < 500 ? "invalid_request_error" : "server_error")
        }
    }
}

extension HTTPField.Name {
    static let tollgateRequestID = Self("x-tollgate-request-id")!
    static let tollgateModel = Self("x-tollgate-model")!
    static let tollgateProvider = Self("x-tollgate-provider")!
    static let tollgateAttempts = Self("x-tollgate-attempts")!
    static let tollgateTask = Self("x-tollgate-task")!
    static let tollgateRun = Self("x-tollgate-run")!
    static let tollgateRunBudget = Self("x-tollgate-run-budget")!
    static let tollgateDowngradedFrom = Self("x-tollgate-downgraded-from")!
    static let tollgateBudgetRemaining = Self("x-tollgate-budget-remaining")!
    static let shouldRetry = Self("x-should-retry")!
    static let xAPIKey = Self("x-api-key")!
    static let anthropicVersion = Self("anthropic-version")!
    static let anthropicBeta = Self("anthropic-beta")!
}
