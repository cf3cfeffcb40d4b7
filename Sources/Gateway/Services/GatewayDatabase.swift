import Foundation
import Logging
import PostgresNIO
import PostgresStorage

/// Which database the gateway uses: the server `DATABASE_URL` or `PG*` name, else a managed
/// cluster under the data directory.
public struct GatewayDatabase: Sendable {
    public var configuration: PostgresClient.Configuration
    /// The managed cluster, when there is one; it is stopped when the gateway stops.
    public var managedCluster: EmbeddedPostgres?
    /// Whether resolving started the managed cluster (rather than finding it running).
    public var startedCluster = false

    public static func resolve(_ settings: GatewayConfiguration, logger: Logger) async throws -> GatewayDatabase {
        if let external = try DatabaseAddress.configuration(from: settings.environment) {
            logger.info("using the PostgreSQL server named by DATABASE_URL / PG*")
            return GatewayDatabase(configuration: external, managedCluster: nil)
        }
        let cluster = EmbeddedPostgres(directory: settings.dataDirectory + "/postgres")
        let (configuration, started) = try await cluster.start(database: "tollgate", logger: logger)
        return GatewayDatabase(configuration: configuration, managedCluster: cluster, startedCluster: started)
    }
}

/// The admin key: `TOLLGATE_ADMIN_KEY`, else the one generated once into `<data dir>/admin-key`.
public enum AdminKeyFile {
    public static func path(dataDirectory: String) -> String {
        dataDirectory + "/admin-key"
    }

    /// Reads the stored key, creating it (mode 0600) on first use; returns the key and whether it was new.
    public static func loadOrCreate(dataDirectory: String) throws -> (key: String, created: Bool) {
        let file = path(dataDirectory: dataDirectory)
        if let existing = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return (existing, false)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = "tgadmin-" + String(APIKeySecret.generate().dropFirst(APIKeySecret.scheme.count))
        guard FileManager.default.createFile(atPath: file, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write the admin key to \(file)")
        }
        return (key, true)
    }

    /// The stored key, if any, for CLI commands.
    public static func load(dataDirectory: String) -> String? {
        (try? String(contentsOfFile: path(dataDirectory: dataDirectory), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
