import Hummingbird

/// Lets `/admin/…` calls through only with `Authorization: Bearer <admin key>`, or, for reads
/// (GET), with the admin's dashboard session cookie.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    let adminKey: String
    let failures: FailedAuthLimiter
    /// Dashboard sessions; nil where the cookie is not accepted (the metrics port).
    var sessions: DashboardSessions?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.clientAddress
        if let retryAfter = failures.retryAfter(address) {
            throw GatewayError.tooManyFailedAttempts(retryAfter: retryAfter)
        }
        // The dashboard's pages read with their session; anything that changes state needs the key.
        if request.headers[.authorization] == nil, request.method == .get || request.method == .head,
           sessions?.identity(of: request) == .admin {
            return try await next(request, context)
        }
        guard let token = bearerToken(request), APIKeySecret.constantTimeEquals(token, adminKey) else {
            failures.recordFailure(address)
            throw GatewayError.unauthorized("Admin endpoints need 'Authorization: Bearer <TOLLGATE_ADMIN_KEY>'.", code: "invalid_admin_key")
        }
        return try await next(request, context)
    }
}
