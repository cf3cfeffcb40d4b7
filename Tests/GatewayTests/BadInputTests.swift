import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// What a user can send, a test sends: every bad input gets a clear 4xx in OpenAI's envelope, and
/// nothing is metered for it.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var path = "/v1/chat/completions"
        var body: String
        var status: HTTPResponse.Status
        var type: String
        var code: String?
        var param: String?
        var message: String
        var testDescription: String { name }
    }

    static let user = #"[{"role": "user", "content": "hi"}]"#

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"model": "gpt-4o", "messages": [}"#, status: .badRequest,
             type: "invalid_request_error", message: "not valid JSON"),
        Case(name: "not an object", body: "42", status: .badRequest, type: "invalid_request_error", message: "must be a JSON object"),
        Case(name: "empty body", body: "", status: .badRequest, type: "invalid_request_error", message: "not valid JSON"),
        // Without a model the task's route chooses; this gateway has none configured.
        Case(name: "missing model and no route", body: #"{"messages": \#(user)}"#, status: .badRequest,
             type: "invalid_request_error", code: "no_route", param: "model", message: "model 'auto' needs a route"),
        Case(name: "model of the wrong type", body: #"{"model": ["gpt-4o"], "messages": \#(user)}"#, status: .badRequest,
             type: "invalid_request_error", param: "model", message: "got array"),
        Case(name: "messages of the wrong type", body: #"{"model": "gpt-4o", "messages": {"role": "user"}}"#, status: .badRequest,
             type: "invalid_request_error", param: "messages", message: "expected an array"),
        Case(name: "stream of the wrong type", body: #"{"model": "gpt-4o", "messages": \#(user), "stream": 1}"#, status: .badRequest,
             type: "invalid_request_error", param: "stream", message: "expected a boolean"),
        Case(name: "unknown model", body: #"{"model": "no-such-model-9000", "messages": \#(user)}"#, status: .notFound,
             type: "invalid_request_error", code: "model_not_found", param: "model", message: "'no-such-model-9000' does not exist"),
        Case(name: "unknown provider", body: #"{"model": "nowhere/some-model", "messages": \#(user)}"#, status: .notFound,
             type: "invalid_request_error", code: "model_not_found", param: "model", message: "'nowhere/some-model' does not exist"),
        Case(name: "bad task", body: #"{"model": "gpt-4o", "messages": \#(user), "metadata": {"task": "no spaces please"}}"#,
             status: .badRequest, type: "invalid_request_error", code: "invalid_task", param: "metadata.task", message: "The task must be"),
        Case(name: "embeddings without input", path: "/v1/embeddings", body: #"{"model": "text-embedding-3-small"}"#,
             status: .badRequest, type: "invalid_request_error", param: "input", message: "'input'"),
        Case(name: "embeddings input of the wrong type", path: "/v1/embeddings", body: #"{"model": "text-embedding-3-small", "input": 5}"#,
             status: .badRequest, type: "invalid_request_error", param: "input", message: "expected a string or an array"),
        Case(name: "embeddings input of nulls", path: "/v1/embeddings", body: #"{"model": "text-embedding-3-small", "input": [null]}"#,
             status: .badRequest, type: "invalid_request_error", param: "input", message: "'input[0]'"),
        Case(name: "a budget past numeric(24, 12)", path: "/admin/teams", body: #"{"name": "rich", "monthly_budget_usd": 1e15}"#,
             status: .badRequest, type: "invalid_request_error", param: "monthly_budget_usd", message: "between 0 and"),
        Case(name: "oversized body", body: #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "\#(String(repeating: "x", count: 5000))"}]}"#,
             status: .contentTooLarge, type: "invalid_request_error", code: "request_too_large", message: "larger than the limit of 4096 bytes"),
    ]

    @Test(arguments: cases)
    func badRequestsGetTheEnvelopeAndAreNotMetered(testCase: Case) async throws {
        try await GatewayHarness.run(configure: { $0.maxBodyBytes = 4096 }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, testCase.path, bearer: testCase.path.hasPrefix("/admin") ? gateway.adminKey : key, body: testCase.body)
            #expect(response.status == testCase.status)
            let error = try response.errorBody()
            #expect(error["type"]?.stringValue == testCase.type)
            #expect(error["code"]?.stringValue == testCase.code)
            #expect(error["param"]?.stringValue == testCase.param)
            #expect(error["message"]?.stringValue?.contains(testCase.message) == true, "\(String(buffer: response.body))")
            #expect(response.headers[HTTPField.Name("x-tollgate-request-id")!] != nil)
            #expect(gateway.mock.total == 0)
            #expect(try await gateway.usageRows().isEmpty)
        }
    }

    @Test func aModelWhoseProviderIsOffSaysWhichVariableToSet() async throws {
        try await GatewayHarness.run(configure: { $0.environment["DASHSCOPE_API_KEY"] = nil }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, ["model": "qwen-plus", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .notFound)
            #expect(try response.errorBody()["code"] == "model_not_found")
            #expect(try response.errorBody()["message"]?.stringValue?.contains("set DASHSCOPE_API_KEY") == true)
        }
    }

    @Test func aModelTheKeyMayNotUseIsForbidden() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller(extra: ["models": ["gpt-4o-mini"]])
            let response = try await gateway.chat(key: key, ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .forbidden)
            #expect(try response.errorBody()["code"] == "model_not_allowed")
            #expect(try response.errorBody()["type"] == "permission_error")
            #expect(gateway.mock.total == 0)
        }
    }

    @Test func missingUnknownRevokedAndExpiredKeysAreUnauthorized() async throws {
        try await GatewayHarness.run { gateway in
            let body: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]
            let encoded = String(buffer: WireCoding.encode(body))

            let missing = try await gateway.send(.post, "/v1/chat/completions", body: encoded)
            #expect(missing.status == .unauthorized)
            #expect(try missing.errorBody()["code"] == "missing_api_key")

            let unknown = try await gateway.chat(key: "tg-thisKeyDoesNotExist0000000000000000000", body)
            #expect(unknown.status == .unauthorized)
            #expect(try unknown.errorBody()["code"] == "invalid_api_key")
            #expect(try unknown.errorBody()["type"] == "authentication_error")
            #expect(try unknown.errorBody()["message"]?.stringValue?.contains("thisKeyDoesNotExist") == false)

            let notOurs = try await gateway.chat(key: "sk-proj-abc", body)
            #expect(notOurs.status == .unauthorized)

            let team = try await gateway.createTeam()
            let expiring = try await gateway.createKey(team: team, name: "soon", extra: ["expires_at": "2099-01-01T00:00:00Z"])
            _ = try await gateway.postgres.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = \(expiring.id)")
            let expired = try await gateway.chat(key: expiring.secret, body)
            #expect(expired.status == .unauthorized)
            #expect(try expired.errorBody()["code"] == "expired_api_key")

            let revoking = try await gateway.createKey(team: team, name: "gone")
            #expect(try await gateway.chat(key: revoking.secret, body).status == .ok)
            #expect(try await gateway.admin(.delete, "/admin/keys/\(revoking.id)").status == .ok)
            // Revocation bites at once on this server, even though the key was cached.
            let revoked = try await gateway.chat(key: revoking.secret, body)
            #expect(revoked.status == .unauthorized)
            #expect(try revoked.errorBody()["code"] == "revoked_api_key")
            #expect(gateway.mock.total == 1)
        }
    }

    @Test func theAuthorizationHeaderIsReadAsHTTPAllowsIt() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let body = String(buffer: WireCoding.encode(["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]] as JSONValue))
            // The scheme in any case, and blanks around the token, are accepted.
            for header in ["Bearer \(key)", "bearer \(key)", "BEARER \(key)", "Bearer   \(key)  ", "Bearer \t\(key)\t"] {
                let response = try await gateway.send(.post, "/v1/chat/completions", body: body, headers: [.authorization: header])
                #expect(response.status == .ok, "\(header)")
            }
            // Anything else is a missing key, not a crash.
            for header in ["Basic \(key)", "Bearer", "Bearer ", "Bearer    ", "Bearerx\(key)", "Beärer \(key)", key] {
                let response = try await gateway.send(.post, "/v1/chat/completions", body: body, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header)")
                #expect(try response.errorBody()["code"] == "missing_api_key", "\(header)")
            }
            // A token with a space inside is a wrong key.
            let split = try await gateway.send(.post, "/v1/chat/completions", body: body, headers: [.authorization: "Bearer \(key.prefix(8)) \(key.dropFirst(8))"])
            #expect(split.status == .unauthorized)
            #expect(try split.errorBody()["code"] == "invalid_api_key")
        }
    }

    @Test func adminEndpointsNeedTheAdminKey() async throws {
        try await GatewayHarness.run { gateway in
            let (_, teamKey) = try await gateway.makeCaller()
            for bearer in [nil, "wrong", teamKey] as [String?] {
                let response = try await gateway.send(.get, "/admin/teams", bearer: bearer)
                #expect(response.status == .unauthorized)
                #expect(try response.errorBody()["code"] == "invalid_admin_key")
            }
        }
    }

    @Test func unknownRoutesAndMethodsGetTheEnvelope() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let unknown = try await gateway.send(.get, "/v1/nothing-here", bearer: key)
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorBody()["type"] == "invalid_request_error")
            let health = try await gateway.send(.get, "/health")
            #expect(health.status == .ok)
        }
    }
}

@Suite struct ReplicaRevocationTests {
    @Test func aRevocationThroughOneReplicaReachesTheOthersAtOnce() async throws {
        // Caches that would keep keys for an hour: only the announcement can make B forget.
        try await GatewayHarness.runReplicas(count: 2, configure: { $0.keyCacheTTL = .seconds(3600) }) { replicas in
            let (a, b) = (replicas[0], replicas[1])
            let team = try await a.createTeam()
            let (keyID, key) = try await a.createKey(team: team)
            let body: JSONValue = ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "hi"]]]
            #expect(try await b.chat(key: key, body).status == .ok)  // B has the key cached now

            #expect(try await a.admin(.delete, "/admin/keys/\(keyID)").status == .ok)
            var status = HTTPResponse.Status.ok
            for _ in 0..<100 where status == .ok {
                status = try await b.send(.get, "/v1/models", bearer: key).status
                if status == .ok { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == .unauthorized)
            #expect(try await b.chat(key: key, body).errorBody()["code"] == "revoked_api_key")
        }
    }
}
