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
        let startup = StartupSignals()
        let database: GatewayDatabase
        do {
            database = try await GatewayDatabase.resolve(settings, logger: logger)
        } catch {
            startup.stop()
            throw error
        }
        do {
            let services: [any Service] = database.managedCluster.map { [EmbeddedPostgresService(cluster: $0)] } ?? []
            let built = try GatewayApp.build(
                configuration: settings, database: database.configuration, adminKey: adminKey, services: services, logger: logger)
            startup.stop()
            if let signal = startup.signalled {
                logger.notice("signal \(signal) during start-up: stopping")
                await built.shutDownLeftovers()
                if let cluster = database.managedCluster { try cluster.stop() }
                return
            }
            logger.notice("Tollgate listening on http://\(settings.host):\(settings.port)")
            do {
                try await serve(built.app, grace: settings.shutdownGrace, logger: logger)
            } catch {
                await built.shutDownLeftovers()
                throw error
            }
            await built.shutDownLeftovers()
        } catch {
            startup.stop()
            // A start that failed (a bad config file, a port in use) must not leave the cluster it
            // started running; a clean stop has stopped it already, and stopping again is harmless.
            if let cluster = database.managedCluster {
                do { try cluster.stop() } catch { logger.debug("managed PostgreSQL already stopped") }
            }
            throw error
        }
    }

    /// Runs the application until SIGTERM or SIGINT, then shuts down in bounded steps: in-flight
    /// requests and streams get `grace` to finish, then are cut and settled (the server's
    /// connections do that themselves, see `GracefulHTTP1Channel`); the usage spool's last flush
    /// takes at most 15 s, and whatever it could not write is replayed on the next start. As a
    /// backstop for a step that never ends, the whole graceful shutdown is escalated to
    /// cancellation after `grace` + 30 s, and cancellation gets `cancellationLimit`.
    static func serve(_ app: some Service, grace: Duration, cancellationLimit: Duration = .seconds(30), logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = grace + .seconds(30)
        configuration.maximumCancellationDuration = cancellationLimit
        try await ServiceGroup(configuration: configuration).run()
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
