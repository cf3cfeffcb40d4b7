import Crypto
import Foundation
import Governance
import Hummingbird
import HTTPTypes

/// Who a dashboard session signed in as: the admin, or a team key (by the hash of its secret,
/// so revoking or expiring the key ends the session at its next request).
enum DashboardIdentity: Equatable, Sendable {
    case admin
    case team(secretHash: String)
}

/// Dashboard sessions as sealed cookies: the identity and expiry, encrypted and authenticated
/// (ChaChaPoly) with a key derived from the admin key. Nothing is stored server-side, so every
/// replica that shares the admin key accepts the same sessions, and rotating the admin key ends
/// them all. The cookie is HttpOnly, SameSite=Strict, Secure when the request came over TLS, and
/// expires after `lifetime`; the key itself is never in the cookie, a URL or the page.
struct DashboardSessions: Sendable {
    static let cookieName = "tollgate_session"
    static let lifetime: TimeInterval = 8 * 3600

    private let key: SymmetricKey
    let clock: @Sendable () -> Date

    init(adminKey: String, clock: @escaping @Sendable () -> Date) {
        key = SymmetricKey(data: SHA256.hash(data: Array(("tollgate dashboard session v1\u{0}" + adminKey).utf8)))
        self.clock = clock
    }

    private struct Claim: Codable {
        /// "admin" or "team".
        var kind: String
        var secretHash: String?
        /// Unix seconds.
        var expires: Int
    }

    /// The cookie's value for `identity`, valid for `lifetime` from now.
    func seal(_ identity: DashboardIdentity) throws -> String {
        let expires = Int(clock().timeIntervalSince1970 + Self.lifetime)
        let claim = switch identity {
        case .admin: Claim(kind: "admin", secretHash: nil, expires: expires)
        case .team(let hash): Claim(kind: "team", secretHash: hash, expires: expires)
        }
        let sealed = try ChaChaPoly.seal(try JSONEncoder().encode(claim), using: key)
        return Self.base64URL(sealed.combined)
    }

    /// The identity of a cookie value this gateway sealed and that has not expired, else nil.
    func open(_ value: String) -> DashboardIdentity? {
        guard value.utf8.count <= 1024, let data = Self.data(base64URL: value),
              let box = try? ChaChaPoly.SealedBox(combined: data),
              let plain = try? ChaChaPoly.open(box, using: key),
              let claim = try? JSONDecoder().decode(Claim.self, from: plain),
              Double(claim.expires) > clock().timeIntervalSince1970
        else { return nil }
        switch claim.kind {
        case "admin": return .admin
        case "team": return claim.secretHash.map { .team(secretHash: $0) }
        default: return nil
        }
    }

    /// The session of `request`'s cookie, if it carries a valid one.
    func identity(of request: Request) -> DashboardIdentity? {
        Self.cookie(named: Self.cookieName, in: request).flatMap(open)
    }

    /// `Set-Cookie` for a new session with `value`.
    func setCookie(_ value: String, for request: Request) -> String {
        "\(Self.cookieName)=\(value); Path=/; Max-Age=\(Int(Self.lifetime)); HttpOnly; SameSite=Strict"
            + (Self.overTLS(request) ? "; Secure" : "")
    }

    /// `Set-Cookie` that ends the session in the browser.
    func clearCookie(for request: Request) -> String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (Self.overTLS(request) ? "; Secure" : "")
    }

    /// Whether the browser reached the gateway over TLS: through a proxy that terminates it and
    /// says so (`X-Forwarded-Proto: https`, `Forwarded: proto=https`). The gateway's own listener
    /// speaks plain HTTP.
    static func overTLS(_ request: Request) -> Bool {
        if let proto = request.headers[.xForwardedProto], proto.lowercased().hasPrefix("https") { return true }
        if let forwarded = request.headers[.forwarded], forwarded.lowercased().contains("proto=https") { return true }
        return request.uri.scheme == .https
    }

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(named name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name[...] else { continue }
                return String(trimmed[trimmed.index(after: equals)...])
            }
        }
        return nil
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

extension HTTPField.Name {
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let forwarded = Self("Forwarded")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
