import Foundation
import Governance
import Hummingbird
import HTTPTypes

/// Authenticates `/v1/…` calls by their `Authorization: Bearer tg-…` key (or `x-api-key: tg-…`,
/// as the Anthropic SDK sends it) and sets the principal. A read (GET) may instead carry a team
/// key's dashboard session cookie: the key it signed in with is looked up, and checked, again.
///
/// A client address with too many failed attempts in the last minute is refused (429) before any
/// lookup; a key that cannot be checked because the database is down and was never seen gets 503.
struct APIKeyAuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    let cache: PrincipalCache
    let failures: FailedAuthLimiter
    var sessions: DashboardSessions?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let retryAfter = failures.retryAfter(context.clientAddress) {
            throw GatewayError.tooManyFailedAttempts(retryAfter: retryAfter)
        }
        let secretHash: String?
        let shown: String
        if let secret = bearerToken(request) ?? request.headers[.xAPIKey] {
            secretHash = secret.hasPrefix(APIKeySecret.scheme) && secret.utf8.count < 200 ? APIKeySecret.hash(secret) : nil
            shown = APIKeySecret.prefix(of: secret) + "…"
        } else if request.method == .get || request.method == .head, case .team(let hash)? = sessions?.identity(of: request) {
            secretHash = hash
            shown = "(the dashboard session's key)"
        } else {
            failures.recordFailure(context.clientAddress)
            throw GatewayError.unauthorized("Missing API key: send 'Authorization: Bearer tg-…' (or 'x-api-key: tg-…').", code: "missing_api_key")
        }
        let found: Principal?
        if let secretHash {
            do {
                found = try await cache.principal(secretHash: secretHash)
            } catch {
                context.requestLogger.error("cannot check an API key: the key store does not answer", metadata: [LogKey.error: "\(error)"])
                throw GatewayError.unavailable("API keys cannot be checked right now; try again shortly.")
            }
        } else {
            found = nil
        }
        guard let principal = found else {
            failures.recordFailure(context.clientAddress)
            throw GatewayError.unauthorized("Incorrect API key provided: \(shown). Ask your platform admin for a Tollgate key.")
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

/// The token of an `Authorization: Bearer …` header (the scheme in any case), without the spaces
/// and tabs around it. Read byte by byte: this runs on every request.
func bearerToken(_ request: Request) -> String? {
    // The field's own value, not `headers[.authorization]`, which joins every value into a new
    // string; only a request with two Authorization fields gets the joined value (and so no key).
    var found: String?
    for field in request.headers where field.name == .authorization {
        found = found == nil ? field.value : request.headers[.authorization]
    }
    guard var header = found else { return nil }
    return header.withUTF8 { bytes -> String? in
        let scheme = "bearer "
        guard bytes.count > scheme.utf8.count,
              zip(bytes, scheme.utf8).allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 0x20 == $1 : $0 == $1 })
        else { return nil }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = scheme.utf8.count
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return start < end ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) : nil
    }
}
