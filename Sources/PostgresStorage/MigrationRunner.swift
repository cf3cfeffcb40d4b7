import Foundation
import Logging
import PostgresNIO

/// Applies the numbered SQL migrations (`0001_create_teams.sql`, …) that a database has not seen
/// yet, in order, in one transaction, and records them in `schema_migrations`. The migrations are
/// compiled into the binary from the repository's `migrations/`; a directory may be named instead
/// (for developing a new one). Files are split into statements by `SQLScript`.
///
/// Replicas starting together are serialised by an advisory lock, so each file runs once.
public struct MigrationRunner: Sendable {
    /// nil for the built-in migrations.
    public let directory: String?

    public init(directory: String? = nil) {
        self.directory = directory
    }

    /// The migration files, sorted by name.
    public func files() throws -> [String] {
        try sources().map(\.name)
    }

    /// Each migration's name and SQL, sorted by name.
    func sources() throws -> [(name: String, sql: String)] {
        guard let directory else {
            return BuiltInMigrations.files.map { ($0.name, $0.contents) }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let files = names.filter { $0.hasSuffix(".sql") }.sorted()
        guard !files.isEmpty else { throw StorageError("no migrations (*.sql) in \(directory)") }
        return try files.map { ($0, try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
    }

    /// Applies pending migrations and returns their names.
    @discardableResult
    public func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        let files = try sources()
        return try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(7420001)", logger: logger)
            do {
                let applied = try await apply(files, on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(7420001)", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7420001)", logger: logger)
                throw error
            }
        }
    }

    private func apply(_ files: [(name: String, sql: String)], on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            logger: logger
        )
        var done = Set<String>()
        for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
            done.insert(name)
        }
        let pending = files.filter { !done.contains($0.name) }
        guard !pending.isEmpty else { return [] }

        // All pending files in one transaction: a failing file leaves the database as it was.
        try await connection.query("BEGIN", logger: logger)
        do {
            for (file, sql) in pending {
                for statement in SQLScript.statements(sql) {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        throw StorageError.migration(file, String(reflecting: error))
                    }
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(file))", logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        logger.info("applied migrations", metadata: ["tollgate.migrations": "\(pending.map(\.name).joined(separator: ", "))"])
        return pending.map(\.name)
    }
}
