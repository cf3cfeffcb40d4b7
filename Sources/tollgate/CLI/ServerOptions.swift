import ArgumentParser
import Foundation
import Gateway

/// Options shared by `serve` and `migrate`; each falls back to its environment variable.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (TOLLGATE_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (TOLLGATE_PORT, default 8080).")
    var port: Int?

    @Option(name: .customLong("metrics-port"), help: "Also serve GET /metrics, with no key, on this port (TOLLGATE_METRICS_PORT; default: only on the main port, with the admin key).")
    var metricsPort: Int?

    @Option(name: .customLong("data-dir"), help: "State directory: managed PostgreSQL, admin key (TOLLGATE_DATA_DIR, default ./.tollgate).")
    var dataDirectory: String?

    @Option(help: "Provider configuration file (TOLLGATE_CONFIG, default ./tollgate.yaml when present).")
    var config: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (TOLLGATE_MAX_BODY_BYTES, default 10 MiB).")
    var maxBodyBytes: Int?

    @Option(name: .customLong("upstream-timeout"), help: "Seconds an upstream may stay silent before a 504 (TOLLGATE_UPSTREAM_TIMEOUT, default 120).")
    var upstreamTimeout: Double?

    @Option(name: .customLong("pricing-dir"), help: "Directory of price files that add to or override the built-in catalogue (TOLLGATE_PRICING_DIR, default none).")
    var pricingDirectory: String?

    @Option(name: .customLong("migrations-dir"), help: "Directory of SQL migrations to use instead of the built-in ones, when developing one (TOLLGATE_MIGRATIONS_DIR).")
    var migrationsDirectory: String?

    @Option(name: .customLong("spool-max-bytes"), help: "Usage spool size past which new calls get 503 metering_unavailable (TOLLGATE_SPOOL_MAX_BYTES, default 1 GiB).")
    var spoolMaxBytes: Int?

    @Option(name: .customLong("budget-enforcement"), help: "While PostgreSQL does not answer: fail-open (serve from known spend) or fail-closed (503 for budgeted keys) (TOLLGATE_BUDGET_ENFORCEMENT, default fail-open).")
    var budgetEnforcement: String?

    @Flag(name: .customLong("allow-private-webhooks"), help: "Let budget alert webhooks post to loopback, link-local and private addresses (TOLLGATE_ALLOW_PRIVATE_WEBHOOKS=1).")
    var allowPrivateWebhooks = false

    @Option(name: .customLong("shutdown-grace"), help: "Seconds SIGTERM lets in-flight requests and streams finish before cutting them (TOLLGATE_SHUTDOWN_GRACE, default 25).")
    var shutdownGrace: Double?

    func settings() throws -> GatewayConfiguration {
        var settings = GatewayConfiguration(environment: ProcessInfo.processInfo.environment)
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let metricsPort {
            guard (1...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be 1 to 65535") }
            settings.metricsPort = metricsPort
        }
        if let dataDirectory { settings.dataDirectory = dataDirectory }
        if let config { settings.configFile = config }
        if let maxBodyBytes {
            guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
            settings.maxBodyBytes = maxBodyBytes
        }
        if let upstreamTimeout {
            guard upstreamTimeout > 0 else { throw ValidationError("--upstream-timeout must be positive") }
            settings.upstreamTimeout = GatewayConfiguration.duration(seconds: upstreamTimeout)
        }
        if let spoolMaxBytes {
            guard spoolMaxBytes > 0 else { throw ValidationError("--spool-max-bytes must be positive") }
            settings.spoolMaxBytes = spoolMaxBytes
        }
        if let budgetEnforcement {
            guard let mode = BudgetEnforcement(rawValue: budgetEnforcement) else {
                throw ValidationError("--budget-enforcement must be fail-open or fail-closed")
            }
            settings.budgetEnforcement = mode
        }
        if allowPrivateWebhooks { settings.allowPrivateWebhooks = true }
        if let shutdownGrace {
            guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }
            settings.shutdownGrace = GatewayConfiguration.duration(seconds: shutdownGrace)
        }
        if let pricingDirectory { settings.pricingDirectory = pricingDirectory }
        if let migrationsDirectory { settings.migrationsDirectory = migrationsDirectory }
        return settings
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await GatewayServer.run(try options.settings(), logger: makeLogger("tollgate"))
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let applied = try await GatewayServer.migrate(try options.settings(), logger: makeLogger("tollgate"))
        print(applied.isEmpty ? "database is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
