import Hummingbird

/// Lets `/admin/…` calls through only with `Authorization: Bearer <admin key>`.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    let adminKey: String
    let failures: FailedAuthLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.clientAddress
        if let retryAfter = failures.retryAfter(address) {
            throw GatewayError.tooManyFailedAttempts(retryAfter: retryAfter)
        }
        guard let token = bearerToken(request), APIKeySecret.constantTimeEquals(token, adminKey) else {
            failures.recordFailure(address)
            throw GatewayError.unauthorized("Admin endpoints need 'Authorization: Bearer <TOLLGATE_ADMIN_KEY>'.", code: "invalid_admin_key")
        }
        return try await next(request, context)
    }
}
