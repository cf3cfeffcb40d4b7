import HummingbirdTesting
import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

@testable import Gateway

/// The dashboard's server side: sign-in, the session cookie, what a session may read, and the
/// endpoints its pages draw from (`/admin/usage`, `/v1/usage`, `/v1/team`, `/v1/what-if`, the
/// spend report's `timezone`). The pages themselves are driven in a real browser by e2e/test_dashboard.py.
@Suite struct DashboardTests {
    static func form(_ key: String) -> String {
        "key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
    }

    /// Signs in with `key`; the session cookie's `name=value`, and the whole `Set-Cookie`.
    static func signIn(_ gateway: GatewayHarness, key: String) async throws -> (cookie: String, setCookie: String) {
        let response = try await gateway.send(.post, "/dashboard/login", body: form(key),
                                              headers: [.contentType: "application/x-www-form-urlencoded"])
        #expect(response.status == .seeOther)
        #expect(response.headers[.location] == "/dashboard")
        let setCookie = try #require(response.headers[.setCookie])
        return (String(setCookie.prefix { $0 != ";" }), setCookie)
    }

    static func get(_ gateway: GatewayHarness, _ path: String, cookie: String) async throws -> TestResponse {
        try await gateway.send(.get, path, headers: [.cookie: cookie])
    }

    @Test func sessionsAreSealedBoundToTheAdminKeyAndExpire() throws {
        let now = LockedDate(Date(timeIntervalSince1970: 1_800_000_000))
        let sessions = DashboardSessions(adminKey: "admin-one", clock: { now.value })
        let admin = try sessions.seal(.admin)
        let team = try sessions.seal(.team(secretHash: "abc123"))
        #expect(sessions.open(admin) == .admin)
        #expect(sessions.open(team) == .team(secretHash: "abc123"))
        // The key's hash is not readable in the cookie.
        #expect(!(DashboardSessions.data(base64URL: team).map { String(decoding: $0, as: UTF8.self) } ?? "").contains("abc123"))
        // Any change to the cookie, or another admin key, and it is no session.
        var tampered = Array(admin)
        tampered[tampered.count / 2] = tampered[tampered.count / 2] == "A" ? "B" : "A"
        #expect(sessions.open(String(tampered)) == nil)
        #expect(DashboardSessions(adminKey: "admin-two", clock: { now.value }).open(admin) == nil)
        #expect(sessions.open("") == nil && sessions.open("not base64 !") == nil)
        // Eight hours on, it has expired.
        now.value = now.value.addingTimeInterval(DashboardSessions.lifetime + 1)
        #expect(sessions.open(admin) == nil)
    }

    @Test func signInSetsAStrictHttpOnlyCookieAndRefusesBadKeys() async throws {
        try await GatewayHarness.run { gateway in
            // Without a session every page sends the browser to sign in.
            for path in ["/dashboard", "/dashboard/requests", "/dashboard/teams/x"] {
                let response = try await gateway.send(.get, path)
                #expect(response.status == .seeOther && response.headers[.location] == "/dashboard/login", "\(path)")
            }
            let page = try await gateway.send(.get, "/dashboard/login")
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(String(buffer: page.body).contains("name=\"key\""))

            let (cookie, setCookie) = try await Self.signIn(gateway, key: gateway.adminKey)
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Max-Age=28800"))
            #expect(!setCookie.contains("Secure"))
            #expect(!setCookie.contains(gateway.adminKey))
            let shell = try await Self.get(gateway, "/dashboard", cookie: cookie)
            #expect(shell.status == .ok && String(buffer: shell.body).contains("/dashboard/assets/app.js"))
            #expect(!String(buffer: shell.body).contains(gateway.adminKey))
            #expect(try await Self.get(gateway, "/dashboard/session", cookie: cookie).json()["kind"] == "admin")

            // Behind a proxy that terminates TLS the cookie is Secure.
            let secure = try await gateway.send(.post, "/dashboard/login", body: Self.form(gateway.adminKey), headers: [
                .contentType: "application/x-www-form-urlencoded", .xForwardedProto: "https"])
            #expect(secure.headers[.setCookie]?.hasSuffix("; Secure") == true)

            // A wrong key: the sign-in page again, 401, no cookie; a form from another site: 403.
            let wrong = try await gateway.send(.post, "/dashboard/login", body: Self.form("tg-nope"),
                                               headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            #expect(String(buffer: wrong.body).contains("not the admin key or an active team key"))
            let crossSite = try await gateway.send(.post, "/dashboard/login", body: Self.form(gateway.adminKey), headers: [
                .contentType: "application/x-www-form-urlencoded", .secFetchSite: "cross-site"])
            #expect(crossSite.status == .forbidden && crossSite.headers[.setCookie] == nil)

            // Signing out clears the cookie.
            let out = try await gateway.send(.post, "/dashboard/logout", headers: [.cookie: cookie])
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await gateway.send(.get, "/dashboard/assets/app.css").status == .ok)
            #expect(try await gateway.send(.get, "/dashboard/assets/nothing.js").status == .notFound)
        }
    }

    @Test func aSessionReadsButNeverWritesAndATeamSeesOnlyItsOwn() async throws {
        try await GatewayHarness.run { gateway in
            let red = try await gateway.createTeam("red")
            let blue = try await gateway.createTeam("blue")
            let (redKeyID, redKey) = try await gateway.createKey(team: red, name: "red-app")
            let (_, blueKey) = try await gateway.createKey(team: blue, name: "blue-app")
            #expect(try await gateway.chat(key: redKey, SpendReportTests.chat("gpt-4o", task: "triage")).status == .ok)
            #expect(try await gateway.chat(key: blueKey, SpendReportTests.chat("gpt-4o-mini", task: "triage")).status == .ok)

            let admin = try await Self.signIn(gateway, key: gateway.adminKey).cookie
            #expect(try await Self.get(gateway, "/admin/teams", cookie: admin).status == .ok)
            // Reads only: a session cannot create, change or revoke anything.
            let create = try await gateway.send(.post, "/admin/teams", body: #"{"name":"sneaky"}"#, headers: [.cookie: admin])
            #expect(create.status == .unauthorized)
            #expect(try await gateway.send(.delete, "/admin/keys/\(redKeyID)", headers: [.cookie: admin]).status == .unauthorized)
            // The admin's session is not a team's.
            #expect(try await Self.get(gateway, "/v1/spend", cookie: admin).status == .unauthorized)

            let redSession = try await Self.signIn(gateway, key: redKey).cookie
            let session = try await Self.get(gateway, "/dashboard/session", cookie: redSession).json()
            #expect(session["kind"] == "team" && session["team"] == "red" && session["key"] == "red-app")
            // A team's session reads its own team, never another's, never the admin's.
            let spend = try await Self.get(gateway, "/v1/spend?group_by=team&team_id=\(blue)", cookie: redSession).json()
            #expect(spend["rows"]?.arrayValue?.map { $0["team"] } == ["red"])
            let usage = try await Self.get(gateway, "/v1/usage?team_id=\(blue)", cookie: redSession).json()
            #expect(usage["data"]?.arrayValue?.count == 1 && usage["data"]?[0]?["team"] == "red")
            #expect(try await Self.get(gateway, "/admin/teams", cookie: redSession).status == .unauthorized)
            #expect(try await Self.get(gateway, "/admin/spend?team_id=\(blue)", cookie: redSession).status == .unauthorized)
            // Nor does it make calls that spend.
            let call = try await gateway.send(.post, "/v1/chat/completions", body: String(buffer: WireCoding.encode(
                SpendReportTests.chat("gpt-4o", task: "x"))), headers: [.cookie: redSession])
            #expect(call.status == .unauthorized)

            // /v1/team: the team, its budget and keys, without the webhook's address.
            let team = try await Self.get(gateway, "/v1/team", cookie: redSession).json()
            #expect(team["team"]?["name"] == "red" && team["team"]?["alert_webhook_url"] == .null)
            #expect(team["keys"]?.arrayValue?.map { $0["name"] } == ["red-app"])
            #expect(team["keys"]?[0]?["key"] == nil)

            // Revoking the key ends its session at the next request.
            #expect(try await gateway.admin(.delete, "/admin/keys/\(redKeyID)").status == .ok)
            #expect(try await Self.get(gateway, "/v1/spend", cookie: redSession).status == .unauthorized)
            #expect(try await Self.get(gateway, "/dashboard", cookie: redSession).status == .seeOther)
        }
    }

    @Test func theUsageListingPagesNewestFirstAndFilters() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            let tasks = ["a", "b", "a", "c", "a"]
            var requestIDs: [String] = []
            for (index, task) in tasks.enumerated() {
                let response = try await gateway.chat(key: key, SpendReportTests.chat(index == 3 ? "gpt-4o-mini" : "gpt-4o", task: task))
                #expect(response.status == .ok)
                requestIDs.append(try #require(response.headers[HTTPField.Name("x-tollgate-request-id")!]))
            }
            // Three pages of two, newest first, every row once.
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await gateway.admin(.get, "/admin/usage?team_id=\(team)&limit=2" + (cursor.map { "&before=\($0)" } ?? "")).json()
                seen += page["data"]?.arrayValue?.compactMap { $0["request_id"]?.stringValue } ?? []
                cursor = page["next_cursor"]?.stringValue
                #expect((page["has_more"] == true) == (cursor != nil))
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Array(requestIDs.reversed()))

            let row = try #require(try await gateway.admin(.get, "/admin/usage?team_id=\(team)&limit=1").json()["data"]?[0])
            for field in ["created_at", "request_id", "attempt", "team_id", "team", "key_id", "key", "task", "requested_model", "served_model",
                          "provider", "route", "input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
                          "output_tokens", "reasoning_tokens", "cost_usd", "status", "latency_ms", "streamed", "usage_estimated",
                          "downgraded_from", "end_user", "run"] {
                #expect(row[field] != nil, "\(field)")
            }
            #expect(row["messages"] == nil && row["prompt"] == nil)

            let onlyA = try await gateway.admin(.get, "/admin/usage?team_id=\(team)&task=a").json()
            #expect(onlyA["data"]?.arrayValue?.count == 3)
            let mini = try await gateway.admin(.get, "/admin/usage?model=gpt-4o-mini&team_id=\(team)").json()
            #expect(mini["data"]?.arrayValue?.map { $0["task"] } == ["c"])
            #expect(try await gateway.admin(.get, "/admin/usage?team_id=\(team)&status=error").json()["data"]?.arrayValue?.count == 0)
            #expect(try await gateway.admin(.get, "/admin/usage?team_id=\(team)&status=200").json()["data"]?.arrayValue?.count == 5)
            #expect(try await gateway.send(.get, "/v1/usage?limit=2", bearer: key).json()["data"]?.arrayValue?.count == 2)
            // By end user and by run.
            let tagged: JSONValue = ["model": "gpt-4o", "user": "alice", "messages": [["role": "user", "content": "hello there"]]]
            #expect(try await gateway.chat(key: key, tagged, headers: [HTTPField.Name("x-tollgate-run")!: "job-9"]).status == .ok)
            let alice = try await gateway.admin(.get, "/admin/usage?team_id=\(team)&end_user=alice").json()["data"]?.arrayValue
            #expect(alice?.count == 1 && alice?.first?["end_user"] == "alice" && alice?.first?["run"] == "job-9")
            #expect(try await gateway.send(.get, "/v1/usage?run=job-9", bearer: key).json()["data"]?.arrayValue?.count == 1)
            #expect(try await gateway.admin(.get, "/admin/usage?team_id=\(team)&run=job-8").json()["data"]?.arrayValue?.count == 0)

            for bad in ["limit=0", "limit=201", "limit=x", "status=maybe", "before=@@@", "team_id=nope", "from=yesterday",
                        "from=2026-02-01&to=2026-01-01", "task=" + String(repeating: "t", count: 300), "run=no%20spaces", "end_user="] {
                let response = try await gateway.admin(.get, "/admin/usage?\(bad)")
                #expect(response.status == .badRequest, "\(bad)")
                #expect(try response.errorBody()["type"] == "invalid_request_error")
            }
        }
    }

    @Test func daysFollowTheAskedTimeZoneAndEstimatesAreCounted() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: key, SpendReportTests.chat("gpt-4o", task: "t")).status == .ok)
            try await gateway.flushUsage()
            // Move the row to 23:30 UTC on 2026-03-10: in Tokyo (UTC+9) that is the 11th.
            _ = try await gateway.postgres.query(
                "UPDATE usage_events SET created_at = '2026-03-10 23:30:00+00', usage_estimated = true WHERE team_id = \(team)", logger: .init(label: "test"))
            let utc = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=day&from=2026-03-01T00:00:00Z&to=2026-03-31T12:00:00Z").json()
            #expect(utc["rows"]?[0]?["day"] == "2026-03-10" && utc["timezone"] == "UTC")
            #expect(utc["totals"]?["estimated_requests"] == 1)
            let tokyo = try await gateway.admin(.get, "/admin/spend?team_id=\(team)&group_by=day&timezone=Asia/Tokyo&from=2026-03-01&to=2026-04-01").json()
            #expect(tokyo["rows"]?[0]?["day"] == "2026-03-11" && tokyo["timezone"] == "Asia/Tokyo")
            // A bare date is midnight in the named zone.
            #expect(tokyo["from"] == "2026-02-28T15:00:00Z")
            #expect(try await gateway.admin(.get, "/admin/spend?timezone=Mars/Olympus").status == .badRequest)
        }
    }

    @Test func aTeamAsksWhatIfOfItsOwnTrafficOnly() async throws {
        try await GatewayHarness.run { gateway in
            let (_, redKey) = try await gateway.makeCaller()
            let (_, blueKey) = try await gateway.makeCaller()
            #expect(try await gateway.chat(key: redKey, SpendReportTests.chat("gpt-4o", task: "t")).status == .ok)
            #expect(try await gateway.chat(key: blueKey, SpendReportTests.chat("gpt-4o", task: "t")).status == .ok)
            #expect(try await gateway.chat(key: blueKey, SpendReportTests.chat("gpt-4o", task: "t")).status == .ok)
            let own = try await gateway.send(.get, "/v1/what-if?model=gpt-4o-mini&task=t", bearer: redKey).json()
            #expect(own["requests"] == 1)
            let all = try await gateway.admin(.get, "/admin/what-if?model=gpt-4o-mini&task=t").json()
            #expect(all["requests"] == 3)
        }
    }
}

/// A date a test moves forward.
final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    var value: Date {
        get { lock.withLock { date } }
        set { lock.withLock { date = newValue } }
    }
}
