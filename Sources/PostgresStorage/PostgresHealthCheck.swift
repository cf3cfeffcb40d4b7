import Logging
import PostgresNIO

/// The cheapest round trip to PostgreSQL, for readiness.
public struct PostgresHealthCheck: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func ping() async throws {
        for try await _ in try await client.query("SELECT 1", logger: logger) {}
    }
}
