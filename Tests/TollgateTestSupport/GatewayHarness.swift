import AsyncHTTPClient
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metering
import MockUpstream
import NIOCore
import NIOPosix
import OpenAIWire
import PostgresNIO

/// A running gateway for one test: its own database, a mock upstream behind the built-in
/// `openai`, `qwen`, `anthropic` and `gemini` providers and the `mock…` providers, and helpers.
public struct GatewayHarness: Sendable {
    public let client: any TestClientProtocol
    public let adminKey: String
    /// A client on the test's database, for checking rows.
    public let postgres: PostgresClient
    public let mock: MockStats
    public let recorder: UsageRecorder
    /// The test's database, to check rows after the gateway has stopped.
    public let database: PostgresClient.Configuration
    /// The mock upstream's OpenAI base URL (`http://127.0.0.1:PORT/v1`).
    public let mockBaseURL: String
    /// The gateway's `tollgate.yaml`, which a test may rewrite before `reloadConfiguration`.
    public let configFile: String
    /// Re-reads `configFile`, as SIGHUP does; false when it was rejected.
    public let reloadConfiguration: @Sendable () -> Bool
    /// Every route the gateway's router serves (`/admin/teams/{id}`).
    public let routes: [(method: HTTPRequest.Method, path: String)]

    /// Models of the `mock` provider (see `MockBehaviour`); none of them has a price.
    public static let mockModels = [
        "mock-ok", "mock-hang", "mock-error-500", "mock-error-429", "mock-error-400", "mock-error-401",
        "mock-no-usage", "mock-stream-cut", "mock-invalid-json", "mock-drip", "mock-sparse",
    ]

    /// Priced models of the `mock-priced` provider ($1 in, $2 out per 1M tokens, at most 1,000
    /// output tokens), each served by the mock model that gives it its behaviour.
    public static let pricedMockModels = [
        "priced-ok": "mock-ok", "priced-hang": "mock-hang", "priced-invalid-json": "mock-invalid-json",
        "priced-stream-cut": "mock-stream-cut", "priced-drip": "mock-drip", "priced-huge-usage": "mock-huge-usage",
        "priced-negative-usage": "mock-negative-usage", "priced-error-500": "mock-error-500",
        "priced-reset": "mock-reset", "priced-slow": "mock-slow", "priced-linger": "mock-linger", "priced-tiers": "mock-ok",
        "priced-retired": "mock-ok", "priced-tiers-hidden": "mock-no-tier",
    ]

    public static let adminKey = "tgadmin-test-key"

    /// Runs `body` against a fresh gateway; `configure` adjusts its settings first.
    /// `yaml` is added to the generated `tollgate.yaml` (providers of its own go under
    /// `extraProviders`, written with `{mock}` for the mock's OpenAI base URL).
    public static func run(
        yaml: String = "", extraProviders: String = "",
        configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        try await runReplicas(count: 1, yaml: yaml, extraProviders: extraProviders, configure: configure) { replicas in try await body(replicas[0]) }
    }

    /// Runs `body` against `count` gateways sharing one database and one mock upstream, as
    /// replicas behind a load balancer would.
    public static func runReplicas(
        count: Int, yaml extra: String = "", extraProviders: String = "", configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable ([GatewayHarness]) async throws -> Void
    ) async throws {
        try await withMockUpstream { baseURL, stats in
            let database = try await TestPostgres.makeDatabase()
            let configFile = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(UUID().uuidString).yaml").path
            let root = String(baseURL.dropLast(3))
            let yaml = """
                providers:
                  - name: mock
                    base_url: \(baseURL)
                    models: [\(mockModels.joined(separator: ", "))]
                  - name: mock-priced
                    base_url: \(baseURL)
                    models:
                \(pricedMockModels.sorted { $0.key < $1.key }.map { "      - {name: \($0.key), upstream: \($0.value)}" }.joined(separator: "\n"))
                  - name: mock-discount
                    base_url: \(baseURL)
                    price_multiplier: "0.85"
                  - name: mock-anthropic
                    kind: anthropic
                    base_url: \(root)
                    api_key_env: ANTHROPIC_API_KEY
                    models: [claude-mock-error-529, claude-mock-error-429, claude-mock-stream-cut, claude-priced, claude-priced-no-1h]
                  - name: mock-gemini
                    kind: gemini
                    base_url: \(root)
                    api_key_env: GEMINI_API_KEY
                    models: [gemini-mock-error-429, gemini-mock-error-400]
                \(extraProviders.replacingOccurrences(of: "{mock}", with: baseURL))
                \(extra)
                """
            try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: configFile) }

            var settings = GatewayConfiguration(environment: [
                "OPENAI_API_KEY": "sk-mock", "OPENAI_BASE_URL": baseURL,
                "DASHSCOPE_API_KEY": "sk-mock", "DASHSCOPE_BASE_URL": baseURL,
                "ANTHROPIC_API_KEY": "sk-ant-mock", "ANTHROPIC_BASE_URL": root,
                "GEMINI_API_KEY": "gemini-mock", "GEMINI_BASE_URL": root,
            ])
            settings.port = 0
            settings.pricingDirectory = TestPostgres.pricingWithMocksDirectory
            settings.configFile = configFile
            // Short, so hangs are cut quickly; not shorter: with the whole suite running on 2 cores the
            // mock's next event was seen more than 1 s late (a drip stream cut as a timeout).
            settings.upstreamTimeout = .seconds(3)
            settings.usageFlushInterval = .milliseconds(20)
            settings.allowPrivateWebhooks = true  // the mock's webhook listens on loopback
            // The whole suite runs at once against one cluster: a few connections a gateway.
            settings.databaseMaxConnections = 4
            configure(&settings)
            // Each replica spools usage in a directory of its own, as separate processes would.
            let spools = (0..<count).map { _ in FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-spool-\(UUID().uuidString)").path }
            defer { for spool in spools { try? FileManager.default.removeItem(atPath: spool) } }
            let replicas = try spools.map { spool in
                var replica = settings
                replica.spoolDirectory = replica.spoolDirectory ?? spool
                return try GatewayApp.build(configuration: replica, database: database, adminKey: adminKey, logger: TestPostgres.logger)
            }
            try await TestPostgres.withClient(database) { postgres in
                try await Self.serve(replicas[...], postgres: postgres, started: []) { clients in
                    try await body(zip(replicas, clients).map { built, client in
                        GatewayHarness(client: client, adminKey: adminKey, postgres: postgres, mock: stats, recorder: built.recorder,
                                       database: database, mockBaseURL: baseURL, configFile: configFile,
                                       reloadConfiguration: built.reloadConfiguration, routes: built.routes)
                    })
                }
            }
        }
    }

    /// Starts each application in turn (live, on a free port), then runs `body` with all clients.
    private static func serve(
        _ pending: ArraySlice<GatewayApp.Built>, postgres: PostgresClient, started: [any TestClientProtocol],
        _ body: @Sendable ([any TestClientProtocol]) async throws -> Void
    ) async throws {
        guard let next = pending.first else { return try await body(started) }
        try await next.app.test(.live) { client in
            try await serve(pending.dropFirst(), postgres: postgres, started: started + [client], body)
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
        try await send(method, path, bearer: adminKey, body: body.map { String(buffer: WireCoding.encode($0)) })
    }

    @discardableResult
    public func chat(key: String, _ body: JSONValue, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.post, "/v1/chat/completions", bearer: key, body: String(buffer: WireCoding.encode(body)), headers: headers)
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

    /// A plain HTTP response, for requests sent outside the test client.
    public struct RawResponse: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: ByteBuffer
    }

    /// A chat completions request to this gateway over a real connection (AsyncHTTPClient).
    func chatRequest(key: String, body: ByteBuffer, headers: HTTPFields = [:]) throws -> HTTPClientRequest {
        guard let port = client.port else { throw HarnessError("the test client has no port") }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        request.body = .bytes(body)
        return request
    }

    /// Sends `count` chat requests at once over separate connections.
    public func concurrentChats(key: String, body: JSONValue, count: Int, headers: HTTPFields = [:]) async throws -> [RawResponse] {
        let request = try chatRequest(key: key, body: WireCoding.encode(body), headers: headers)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(10), concurrentHTTP1ConnectionsPerHostSoftLimit: count)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let responses = try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        let response = try await http.execute(request, timeout: .seconds(60))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
                        return RawResponse(status: Int(response.status.code), headers: headers, body: body)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await http.shutdown()
            return responses
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Starts a streamed chat, reads its first bytes, then hangs up.
    public func hangUpAfterFirstChunk(key: String, body: JSONValue) async throws {
        let request = try chatRequest(key: key, body: body.jsonBytes)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
        } catch {
            try? await http.shutdown()
            throw error
        }
        // Shutting the client down closes the connection with the stream unfinished.
        try await http.shutdown()
    }

    /// Streams a chat completion: `afterFirstChunk` runs once the first bytes arrived, then the
    /// rest of the stream is read; returns the whole body.
    public func streamChat(
        key: String, body: JSONValue, headers: HTTPFields = [:], afterFirstChunk: @Sendable () async throws -> Void
    ) async throws -> String {
        let request = try chatRequest(key: key, body: body.jsonBytes, headers: headers)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            var text = ""
            var first = true
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if first {
                    first = false
                    try await afterFirstChunk()
                }
            }
            try await http.shutdown()
            return text
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Sends a chat completion on a raw connection, waits until the mock upstream has the call,
    /// then resets the connection (RST) before any byte of the answer: a client that gives up.
    public func resetBeforeAnswer(key: String, body: JSONValue) async throws {
        guard let port = client.port else { throw HarnessError("the test client has no port") }
        let before = mock.total
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        let bytes = body.jsonBytes
        var buffer = channel.allocator.buffer(capacity: bytes.readableBytes + 256)
        buffer.writeString("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n")
        buffer.writeString("Content-Type: application/json\r\nContent-Length: \(bytes.readableBytes)\r\n\r\n")
        buffer.writeImmutableBuffer(bytes)
        try await channel.writeAndFlush(buffer).get()
        try await waitForMock("the call to reach the mock upstream") { $0.total > before }
        // SO_LINGER 0: closing sends a reset instead of a polite FIN.
        try await (channel as! SocketOptionProvider).setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        try await channel.close().get()
    }

    /// Waits (up to ten seconds) until `count` usage rows are written, and returns them.
    public func waitForUsageRows(count: Int) async throws -> [UsageRow] {
        for _ in 0..<200 {
            let rows = try await usageRows()
            if rows.count >= count { return rows }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("fewer than \(count) usage rows were written")
    }

    /// Waits (up to ten seconds) until the mock's webhook has received `count` posts, and returns them.
    public func waitForWebhooks(count: Int) async throws -> [JSONValue] {
        try await waitForMock("\(count) webhook posts") { $0.webhooks.count >= count }
        return mock.webhooks
    }

    /// Waits until `condition` holds on the mock's stats (it is checked as each call or webhook
    /// arrives); fails after ten seconds, naming what it waited for.
    public func waitForMock(_ what: String, until condition: @escaping @Sendable (MockStats) -> Bool) async throws {
        let mock = self.mock
        let met = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await mock.wait(until: condition)
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))  // a time limit, not a wait for something to happen
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard met else { throw HarnessError("waited ten seconds for \(what)") }
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
