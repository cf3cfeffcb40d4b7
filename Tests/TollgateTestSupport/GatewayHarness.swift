import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Metering
import MockUpstream
import NIOCore
import OpenAIWire
import PostgresNIO

/// A running gateway for one test: its own database, a mock upstream behind the built-in
/// `openai` and `qwen` providers and a `mock` provider, and helpers to call it.
public struct GatewayHarness: Sendable {
    public let client: any TestClientProtocol
    public let adminKey: String
    /// A client on the test's database, for checking rows.
    public let postgres: PostgresClient
    public let mock: MockStats
    public let recorder: UsageRecorder
    /// The test's database, to check rows after the gateway has stopped.
    public let database: PostgresClient.Configuration

    /// Models of the `mock` provider (see `MockBehaviour`); none of them has a price.
    public static let mockModels = [
        "mock-ok", "mock-hang", "mock-error-500", "mock-error-429", "mock-error-400", "mock-error-401",
        "mock-no-usage", "mock-stream-cut", "mock-invalid-json",
    ]

    public static let adminKey = "tgadmin-test-key"

    /// Runs `body` against a fresh gateway; `configure` adjusts its settings first.
    public static func run(
        configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        try await withMockUpstream { baseURL, stats in
            let database = try await TestPostgres.makeDatabase()
            let configFile = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(UUID().uuidString).yaml").path
            let yaml = """
                providers:
                  - name: mock
                    base_url: \(baseURL)
                    models: [\(mockModels.joined(separator: ", "))]
                """
            try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: configFile) }

            var settings = GatewayConfiguration(environment: [
                "OPENAI_API_KEY": "sk-mock", "OPENAI_BASE_URL": baseURL,
                "DASHSCOPE_API_KEY": "sk-mock", "DASHSCOPE_BASE_URL": baseURL,
            ])
            settings.port = 0
            settings.pricingDirectory = TestPostgres.pricingDirectory
            settings.migrationsDirectory = TestPostgres.migrationsDirectory
            settings.configFile = configFile
            settings.upstreamTimeout = .seconds(1)
            settings.usageFlushInterval = .milliseconds(20)
            configure(&settings)
            let built = try GatewayApp.build(configuration: settings, database: database, adminKey: adminKey, logger: TestPostgres.logger)
            try await TestPostgres.withClient(database) { postgres in
                try await built.app.test(.live) { client in
                    try await body(GatewayHarness(client: client, adminKey: adminKey, postgres: postgres, mock: stats, recorder: built.recorder, database: database))
                }
            }
        }
    }

    // MARK: Requests

    /// Sends a request with an optional bearer token and raw body.
    @discardableResult
    public func send(
        _ method: HTTPRequest.Method, _ path: String, bearer: String? = nil, body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if body != nil && headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.executeRequest(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    @discardableResult
    public func admin(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> TestResponse {
        try await send(method, path, bearer: adminKey, body: try body.map { String(buffer: try WireCoding.encode($0)) })
    }

    @discardableResult
    public func chat(key: String, _ body: JSONValue, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.post, "/v1/chat/completions", bearer: key, body: String(buffer: try WireCoding.encode(body)), headers: headers)
    }

    /// Creates a team and returns its id.
    public func createTeam(_ name: String = "team-\(UUID().uuidString.prefix(8))", budget: JSONValue? = nil) async throws -> UUID {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let budget { body["monthly_budget_usd"] = budget }
        let response = try await admin(.post, "/admin/teams", .object(body))
        guard response.status == .created, let id = try response.json()["id"]?.stringValue.flatMap(UUID.init(uuidString:)) else {
            throw HarnessError("creating a team failed: \(response.status) \(String(buffer: response.body))")
        }
        return id
    }

    /// Creates a key for `team` and returns its id and secret.
    public func createKey(team: UUID, name: String = "app", extra: [String: JSONValue] = [:]) async throws -> (id: UUID, secret: String) {
        var body = extra
        body["team_id"] = .string(team.uuidString)
        body["name"] = .string(name)
        let response = try await admin(.post, "/admin/keys", .object(body))
        let json = try response.json()
        guard response.status == .created, let id = json["id"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let secret = json["key"]?.stringValue
        else {
            throw HarnessError("creating a key failed: \(response.status) \(String(buffer: response.body))")
        }
        return (id, secret)
    }

    /// A team and a key on it, for tests that need just a caller.
    public func makeCaller(extra: [String: JSONValue] = [:]) async throws -> (team: UUID, key: String) {
        let team = try await createTeam()
        return (team, try await createKey(team: team, extra: extra).secret)
    }

    /// Writes every usage event recorded so far.
    public func flushUsage() async throws {
        try await recorder.flush()
    }
}

extension TestResponse {
    /// The body as JSON.
    public func json() throws -> JSONValue {
        try WireCoding.decode(JSONValue.self, from: body)
    }

    /// The body's `error` object, for error responses.
    public func errorBody() throws -> JSONValue {
        guard let error = try json()["error"] else { throw HarnessError("no error envelope in \(String(buffer: body))") }
        return error
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
