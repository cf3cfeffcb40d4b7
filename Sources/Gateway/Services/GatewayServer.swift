import Foundation
import Hummingbird
import Logging
import PostgresNIO
import PostgresStorage
import ServiceLifecycle

/// `tollgate serve`: resolves the database, the admin key, and runs the gateway until SIGTERM/SIGINT.
public enum GatewayServer {
    public static func run(_ settings: GatewayConfiguration, logger: Logger) async throws {
        let adminKey: String
        if let configured = settings.adminKey {
            adminKey = configured
        } else {
            let (key, created) = try AdminKeyFile.loadOrCreate(dataDirectory: settings.dataDirectory)
            adminKey = key
            logger.notice("\(created ? "generated" : "using") the admin key in \(AdminKeyFile.path(dataDirectory: settings.dataDirectory)) (set TOLLGATE_ADMIN_KEY to choose one)")
        }
        let database = try await GatewayDatabase.resolve(settings, logger: logger)
        let services: [any Service] = database.managedCluster.map { [EmbeddedPostgresService(cluster: $0)] } ?? []
        let built = try GatewayApp.build(
            configuration: settings, database: database.configuration, adminKey: adminKey, services: services, logger: logger)
        logger.notice("Tollgate listening on http://\(settings.host):\(settings.port)")
        try await built.app.runService()
    }

    /// `tollgate migrate`: applies pending migrations and returns their names.
    public static func migrate(_ settings: GatewayConfiguration, logger: Logger) async throws -> [String] {
        let database = try await GatewayDatabase.resolve(settings, logger: logger)
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        let applied = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await MigrationRunner(directory: settings.migrationsDirectory).migrate(client, logger: logger)
        }
        // A cluster started only for this command is stopped again; one that was running stays up.
        if database.startedCluster, let cluster = database.managedCluster {
            try cluster.stop()
        }
        return applied
    }
}
