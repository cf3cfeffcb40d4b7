import Foundation
import Hummingbird
import HTTPTypes

/// Authenticates `/v1/…` calls by their `Authorization: Bearer tg-…` key and sets the principal.
struct APIKeyAuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    let cache: PrincipalCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret = bearerToken(request) else {
            throw GatewayError.unauthorized("Missing API key: send 'Authorization: Bearer tg-…'.", code: "missing_api_key")
        }
        guard secret.hasPrefix(APIKeySecret.scheme), secret.count < 200,
              let principal = try await cache.principal(secretHash: APIKeySecret.hash(secret))
        else {
            throw GatewayError.unauthorized("Incorrect API key provided: \(APIKeySecret.prefix(of: secret))…. Ask your platform admin for a Tollgate key.")
        }
        switch principal.refusal(at: Date()) {
        case .revoked:
            throw GatewayError.unauthorized("The API key '\(principal.key.name)' (\(principal.key.prefix)…) has been revoked.", code: "revoked_api_key")
        case .expired:
            throw GatewayError.unauthorized("The API key '\(principal.key.name)' (\(principal.key.prefix)…) has expired.", code: "expired_api_key")
        case nil:
            break
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
func bearerToken(_ request: Request) -> String? {
    guard let header = request.headers[.authorization], header.utf8.count > 7 else { return nil }
    let scheme = header.utf8.prefix(7)
    guard scheme.elementsEqual("Bearer ".utf8) || String(decoding: scheme, as: UTF8.self).lowercased() == "bearer " else { return nil }
    let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    return token.isEmpty ? nil : token
}
