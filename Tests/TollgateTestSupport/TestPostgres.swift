import Foundation
import Logging
import PostgresNIO
import PostgresStorage

/// PostgreSQL for tests: one throwaway cluster per test process (through the same launcher as
/// `serve`), one fresh database per test. `TOLLGATE_TEST_DATABASE_URL` names a server to use instead.
public enum TestPostgres {
    /// The repository's root, found from this file's path.
    public static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    public static var migrationsDirectory: String { repositoryRoot + "/migrations" }
    public static var pricingDirectory: String { repositoryRoot + "/pricing" }

    /// The prices tests compute expected costs with: a frozen copy of the catalogue, so a
    /// provider's price change or retirement updates `pricing/` without rewriting the tests.
    public static var fixturePricingDirectory: String { repositoryRoot + "/Tests/TollgateTestSupport/Fixtures/pricing" }

    /// The fixture prices plus `mock-priced.json`, which prices the `priced-…` mock models
    /// (see `GatewayHarness.pricedMockModels`) at $1 input and $2 output per 1M tokens, with an
    /// output cap of 1,000 tokens.
    public static let pricingWithMocksDirectory: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-pricing-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in (try? FileManager.default.contentsOfDirectory(atPath: fixturePricingDirectory)) ?? [] where file.hasSuffix(".json") {
            try? FileManager.default.copyItem(atPath: fixturePricingDirectory + "/" + file, toPath: directory + "/" + file)
        }
        let entries = GatewayHarness.pricedMockModels.keys.sorted().filter { !["priced-tiers", "priced-tiers-hidden", "priced-retired"].contains($0) }.map { model in
            #"{"model": "\#(model)", "input": "1.00", "output": "2.00", "effective_from": "2024-01-01", "max_output_tokens": 1000}"#
        } + billingRuleEntries
        let file = #"{"provider": "mock-priced", "currency": "USD", "unit": "per 1M tokens", "source": "tests", "models": [\#(entries.joined(separator: ", "))]}"#
        try? file.write(toFile: directory + "/mock-priced.json", atomically: true, encoding: .utf8)
        return directory
    }()

    /// Mock models whose prices carry billing rules: `priced-tiers` (a prompt band above 50
    /// tokens, `priority` and `flex` service tiers), `claude-priced` (1-hour cache writes) and
    /// `claude-priced-no-1h` (none).
    static let billingRuleEntries = [
        #"""
        {"model": "priced-tiers", "input": "1.00", "cached_input": "0.50", "output": "2.00", "effective_from": "2024-01-01",
         "max_output_tokens": 1000, "tiers": [{"above_input_tokens": 50, "input": "3.00", "output": "6.00"}],
         "service_tiers": {"priority": {"input": "2.00", "output": "4.00"}, "flex": {"input": "0.50", "output": "1.00"}}}
        """#,
        #"""
        {"model": "priced-tiers-hidden", "input": "1.00", "cached_input": "0.50", "output": "2.00", "effective_from": "2024-01-01",
         "max_output_tokens": 1000, "service_tiers": {"priority": {"input": "2.00", "output": "4.00"}, "flex": {"input": "0.50", "output": "1.00"}}}
        """#,
        #"""
        {"model": "priced-retired", "input": "1.00", "output": "2.00", "effective_from": "2024-01-01", "retired_from": "2025-01-01",
         "replaced_by": "priced-ok"}
        """#,
        #"""
        {"model": "claude-priced", "input": "3.00", "cached_input": "0.30", "cache_write": "3.75", "cache_write_1h": "6.00",
         "output": "15.00", "effective_from": "2024-01-01", "max_output_tokens": 1000}
        """#,
        #"""
        {"model": "claude-priced-no-1h", "input": "3.00", "cached_input": "0.30", "cache_write": "3.75", "output": "15.00",
         "effective_from": "2024-01-01", "max_output_tokens": 1000}
        """#,
    ]

    public static let logger: Logger = {
        var logger = Logger(label: "tollgate.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    /// A new, empty database with every migration applied.
    public static func makeDatabase() async throws -> PostgresClient.Configuration {
        let server = try await Cluster.shared.server()
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await withClient(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var configuration = server
        configuration.database = name
        try await withClient(configuration) { client in
            try await MigrationRunner().migrate(client, logger: logger)
        }
        return configuration
    }

    /// Runs `body` with a running client for `configuration`.
    @discardableResult
    public static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// The process's cluster, started on first use and stopped when the process exits.
    actor Cluster {
        static let shared = Cluster()
        /// Started once; every caller awaits the same start.
        private var starting: Task<PostgresClient.Configuration, any Error>?

        func server() async throws -> PostgresClient.Configuration {
            if let starting { return try await starting.value }
            let task = Task { try await Self.start() }
            starting = task
            return try await task.value
        }

        private static func start() async throws -> PostgresClient.Configuration {
            if let url = ProcessInfo.processInfo.environment["TOLLGATE_TEST_DATABASE_URL"], !url.isEmpty {
                return try DatabaseAddress.configuration(url: url)
            }
            let directory = "/tmp/tollgate-test-\(getpid())"
            try? FileManager.default.removeItem(atPath: directory)
            let cluster = EmbeddedPostgres(directory: directory, durable: false)
            ClusterCleanup.register(directory: directory)
            var (configuration, _) = try await cluster.start(database: "postgres", logger: TestPostgres.logger)
            configuration.options.maximumConnections = 10
            return configuration
        }
    }
}

/// Stops the test cluster and removes its files when the test process exits.
enum ClusterCleanup {
    nonisolated(unsafe) static var directory: String?

    static func register(directory: String) {
        Self.directory = directory
        atexit {
            guard let directory = ClusterCleanup.directory else { return }
            try? EmbeddedPostgres(directory: directory, durable: false).stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
