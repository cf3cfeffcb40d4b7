import Foundation
import Governance
import Hummingbird
import HTTPTypes
import NIOCore

/// `/dashboard`: the spend dashboard, served by the gateway from files compiled into it
/// (`dashboard/` in the repository). Sign-in takes the admin key or a team key in a form post and
/// answers a session cookie; the pages are one script that draws what the JSON API answers
/// (`/admin/…` for the admin, `/v1/…` for a team), so a chart and the report agree to the cent.
struct DashboardController: Sendable {
    let sessions: DashboardSessions
    let adminKey: String
    let cache: PrincipalCache
    let failures: FailedAuthLimiter

    /// The page paths the script draws; each serves the same shell.
    static let pages = ["", "/requests", "/routing", "/what-if", "/teams/:id"]

    func add(to router: Router<TollgateRequestContext>) {
        for page in Self.pages {
            router.get("/dashboard\(page)") { request, _ in try await shell(request) }
        }
        router.get("/dashboard/login") { request, _ in
            if sessions.identity(of: request) != nil { return Self.redirect(to: "/dashboard") }
            return Self.loginPage(error: nil, status: .ok)
        }
        router.post("/dashboard/login") { request, context in try await signIn(request, context: context) }
        router.post("/dashboard/logout") { request, _ in
            var response = Self.redirect(to: "/dashboard/login")
            response.headers[.setCookie] = sessions.clearCookie(for: request)
            return response
        }
        router.get("/dashboard/session") { request, _ in try await session(request) }
        router.get("/dashboard/assets/:file") { _, context in
            guard let name = context.parameters.get("file"), let asset = Self.assets[name] else {
                throw GatewayError.notFound("No dashboard asset '\(context.parameters.get("file") ?? "")'.")
            }
            return Self.response(asset.bytes, type: asset.type)
        }
    }

    /// The page shell, or the sign-in page for a browser without a session.
    func shell(_ request: Request) async throws -> Response {
        guard try await signedIn(request) != nil else { return Self.redirect(to: "/dashboard/login") }
        return Self.response(Self.file("index.html"), type: "text/html; charset=utf-8")
    }

    /// Who the session is, checked again: a team key revoked or expired since sign-in ends it.
    func signedIn(_ request: Request) async throws -> SignedIn? {
        switch sessions.identity(of: request) {
        case nil: return nil
        case .admin: return .admin
        case .team(let hash):
            guard let principal = try await cache.principal(secretHash: hash), principal.refusal(at: Date()) == nil else { return nil }
            return .team(principal)
        }
    }

    enum SignedIn {
        case admin
        case team(Principal)
    }

    /// `GET /dashboard/session`: who is signed in, for the script (never the key).
    func session(_ request: Request) async throws -> Response {
        switch try await signedIn(request) {
        case nil:
            throw GatewayError.unauthorized("Not signed in to the dashboard.", code: "no_session")
        case .admin:
            return try JSONBody.response(SessionView(kind: "admin", team_id: nil, team: nil, key: nil, timezone: "UTC"))
        case .team(let principal):
            return try JSONBody.response(SessionView(
                kind: "team", team_id: principal.team.id, team: principal.team.name, key: principal.key.name,
                timezone: principal.team.budgetTimeZone))
        }
    }

    struct SessionView: Encodable {
        var kind: String
        var team_id: UUID?
        var team: String?
        var key: String?
        var timezone: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(team_id, forKey: .team_id)
            try container.encode(team, forKey: .team)
            try container.encode(key, forKey: .key)
            try container.encode(timezone, forKey: .timezone)
        }

        enum CodingKeys: CodingKey { case kind, team_id, team, key, timezone }
    }

    /// `POST /dashboard/login` with the form field `key`: the admin key or an active team key.
    func signIn(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let address = context.clientAddress
        if let retryAfter = failures.retryAfter(address) {
            return Self.loginPage(error: "Too many failed sign-ins from this address: try again in \(retryAfter) s.", status: .tooManyRequests)
        }
        // A form posted from another site is refused: nobody signs a browser in from elsewhere.
        if let site = request.headers[.secFetchSite], site != "same-origin", site != "none" {
            return Self.loginPage(error: "Sign in from this page.", status: .forbidden)
        }
        let body = try await request.collectBody(limit: 4096)
        let key = Self.formField("key", in: String(buffer: body))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var identity: DashboardIdentity?
        if !key.isEmpty, APIKeySecret.constantTimeEquals(key, adminKey) {
            identity = .admin
        } else if key.hasPrefix(APIKeySecret.scheme), key.utf8.count < 200 {
            let hash = APIKeySecret.hash(key)
            if let principal = try await cache.principal(secretHash: hash), principal.refusal(at: Date()) == nil {
                identity = .team(secretHash: hash)
            }
        }
        guard let identity else {
            failures.recordFailure(address)
            return Self.loginPage(error: "That key is not the admin key or an active team key.", status: .unauthorized)
        }
        var response = Self.redirect(to: "/dashboard")
        response.headers[.setCookie] = sessions.setCookie(try sessions.seal(identity), for: request)
        return response
    }

    // MARK: Files

    static func file(_ name: String) -> ByteBuffer {
        ByteBuffer(string: BuiltInDashboard.files.first { $0.name == name }?.contents ?? "")
    }

    static let assets: [String: (bytes: ByteBuffer, type: String)] = {
        var assets: [String: (ByteBuffer, String)] = [:]
        for (name, contents) in BuiltInDashboard.files {
            let type = if name.hasSuffix(".js") { "text/javascript; charset=utf-8" }
                else if name.hasSuffix(".css") { "text/css; charset=utf-8" }
                else if name.hasSuffix(".svg") { "image/svg+xml" }
                else { "" }
            if !type.isEmpty { assets[name] = (ByteBuffer(string: contents), type) }
        }
        return assets
    }()

    /// Pages and assets: no inline script or style, nothing from another origin, never framed,
    /// never cached by a proxy, no referrer sent.
    static func response(_ bytes: ByteBuffer, type: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }

    static func redirect(to path: String) -> Response {
        var response = response(ByteBuffer(), type: "text/html; charset=utf-8", status: .seeOther)
        response.headers[.location] = path
        return response
    }

    static func loginPage(error: String?, status: HTTPResponse.Status) -> Response {
        var page = BuiltInDashboard.files.first { $0.name == "login.html" }?.contents ?? ""
        let message = error.map { "<p class=\"error\" role=\"alert\">\(escapeHTML($0))</p>" } ?? ""
        page = page.replacingOccurrences(of: "<!--error-->", with: message)
        return response(ByteBuffer(string: page), type: "text/html; charset=utf-8", status: status)
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    static func formField(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name[...] else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
