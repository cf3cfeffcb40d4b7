import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

@Suite struct AdminTests {
    @Test func teamsAreCreatedListedReadAndChanged() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.admin(.post, "/admin/teams", ["name": "search", "monthly_budget_usd": 100.10])
            #expect(created.status == .created)
            let team = try created.json()
            #expect(team["name"] == "search")
            #expect(String(buffer: created.body).contains("\"monthly_budget_usd\" : 100.1"))
            let id = try #require(team["id"]?.stringValue)

            #expect(try await gateway.admin(.post, "/admin/teams", ["name": "search"]).status == .conflict)
            #expect(try await gateway.admin(.get, "/admin/teams/\(id)").json()["name"] == "search")
            #expect(try await gateway.admin(.get, "/admin/teams/\(UUID())").status == .notFound)
            #expect(try await gateway.admin(.get, "/admin/teams/not-a-uuid").status == .notFound)

            let patched = try await gateway.admin(.patch, "/admin/teams/\(id)", ["monthly_budget_usd": "250.125"])
            #expect(patched.status == .ok)
            #expect(String(buffer: patched.body).contains("\"monthly_budget_usd\" : 250.125"))
            #expect(try patched.json()["name"] == "search")
            let cleared = try await gateway.admin(.patch, "/admin/teams/\(id)", ["monthly_budget_usd": nil, "name": "search-2"])
            #expect(try cleared.json()["monthly_budget_usd"] == .null)
            #expect(try cleared.json()["name"] == "search-2")

            _ = try await gateway.createTeam("another")
            let list = try await gateway.admin(.get, "/admin/teams").json()
            #expect(list["data"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["another", "search-2"])
        }
    }

    @Test(arguments: [
        (#"{"monthly_budget_usd": 5}"#, "name", "Missing required parameter"),
        (#"{"name": 5}"#, "name", "Invalid type"),
        (#"{"name": "x", "monthly_budget_usd": -1}"#, "monthly_budget_usd", "must not be negative"),
        (#"{"name": "x", "monthly_budget_usd": "lots"}"#, "monthly_budget_usd", "not a decimal"),
        (#"{"name": "", "monthly_budget_usd": 1}"#, "name", "1 to 200 characters"),
        (#"{"name": "x""#, nil as String?, "not valid JSON"),
    ])
    func badTeamBodiesAreRefused(body: String, param: String?, message: String) async throws {
        try await GatewayHarness.run { gateway in
            let response = try await gateway.send(.post, "/admin/teams", bearer: GatewayHarness.adminKey, body: body)
            #expect(response.status == .badRequest)
            let error = try response.errorBody()
            #expect(error["param"]?.stringValue == param)
            #expect(error["message"]?.stringValue?.contains(message) == true, "\(error)")
        }
    }

    @Test func keysShowTheirSecretOnceAndStoreOnlyItsHash() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam("search")
            let created = try await gateway.admin(.post, "/admin/keys", [
                "team_id": .string(team.uuidString), "name": "app", "models": ["gpt-4o"], "monthly_budget_usd": 5,
                "expires_at": "2099-12-31",
            ])
            #expect(created.status == .created)
            let key = try created.json()
            let secret = try #require(key["key"]?.stringValue)
            #expect(secret.hasPrefix("tg-") && secret.count == 43)
            #expect(key["prefix"]?.stringValue == String(secret.prefix(10)))
            #expect(key["team_id"]?.stringValue == team.uuidString)
            #expect(key["models"] == ["gpt-4o"])
            #expect(key["expires_at"] == "2099-12-31T00:00:00Z")

            let listed = try await gateway.admin(.get, "/admin/keys?team_id=\(team)")
            #expect(!String(buffer: listed.body).contains(secret))
            #expect(try listed.json()["data"]?.arrayValue?.count == 1)
            #expect(try listed.json()["data"]?[0]?["key"] == nil)

            // Nothing in the database holds the secret.
            let rows = try await gateway.postgres.query("SELECT count(*)::int8 FROM api_keys WHERE secret_hash = \(secret) OR prefix = \(secret)")
            for try await count in rows.decode(Int.self) { #expect(count == 0) }

            let other = try await gateway.createTeam("other")
            _ = try await gateway.createKey(team: other)
            #expect(try await gateway.admin(.get, "/admin/keys").json()["data"]?.arrayValue?.count == 2)
            #expect(try await gateway.admin(.get, "/admin/keys?team_id=nope").status == .badRequest)
        }
    }

    @Test func badKeyRequestsAreRefused() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam()
            let cases: [(JSONValue, HTTPResponse.Status, String?)] = [
                (["name": "app"], .badRequest, "team_id"),
                (["team_id": .string(UUID().uuidString), "name": "app"], .badRequest, "team_id"),
                (["team_id": "not-a-uuid", "name": "app"], .badRequest, "team_id"),
                (["team_id": .string(team.uuidString), "name": "app", "models": "gpt-4o"], .badRequest, "models"),
                (["team_id": .string(team.uuidString), "name": "app", "models": []], .badRequest, "models"),
                (["team_id": .string(team.uuidString), "name": "app", "expires_at": "2001-01-01"], .badRequest, "expires_at"),
                (["team_id": .string(team.uuidString), "name": "app", "expires_at": "soon"], .badRequest, "expires_at"),
            ]
            for (body, status, param) in cases {
                let response = try await gateway.admin(.post, "/admin/keys", body)
                #expect(response.status == status, "\(body)")
                #expect(try response.errorBody()["param"]?.stringValue == param, "\(body)")
            }
            #expect(try await gateway.admin(.delete, "/admin/keys/\(UUID())").status == .notFound)
        }
    }

    @Test func alertWebhooksToPrivateAddressesAreRefused() async throws {
        try await GatewayHarness.run(configure: { $0.allowPrivateWebhooks = false }) { gateway in
            for url in ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/x", "https://10.0.0.8/x"] {
                let response = try await gateway.admin(.post, "/admin/teams", ["name": .string("t-\(UUID())"), "alert_webhook_url": .string(url)])
                #expect(response.status == .badRequest, "\(url)")
                #expect(try response.errorBody()["param"] == "alert_webhook_url")
            }
            let team = try await gateway.createTeam()
            #expect(try await gateway.admin(.patch, "/admin/teams/\(team)", ["alert_webhook_url": "http://192.168.0.10/x"]).status == .badRequest)
            #expect(try await gateway.admin(.patch, "/admin/teams/\(team)", ["alert_webhook_url": "https://hooks.example.com/tollgate"]).status == .ok)
        }
    }
}
