import Foundation

/// Everything `serve` needs, built once from command-line options with environment fallbacks and
/// passed down explicitly.
public struct GatewayConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// A port that serves `GET /metrics` alone, with no key (for a Prometheus inside the network);
    /// nil: `/metrics` is on the main port only, behind the admin key.
    public var metricsPort: Int?
    /// Where the managed PostgreSQL cluster and the generated admin key live.
    public var dataDirectory = "./.tollgate"
    /// The admin key; when nil, `serve` generates one into `<data dir>/admin-key`.
    public var adminKey: String?
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes = 10 * 1024 * 1024
    /// How long an upstream may stay silent (before its answer or between stream chunks).
    public var upstreamTimeout: Duration = .seconds(120)
    /// Price files that add to or override the built-in catalogue; nil for none.
    public var pricingDirectory: String?
    /// SQL migrations to use instead of the built-in ones (for developing a new one); nil for those.
    public var migrationsDirectory: String?
    /// `tollgate.yaml`; a missing default file is fine, a missing named file is an error.
    public var configFile: String?
    /// The process environment: provider keys and base URLs, `DATABASE_URL`, `PG*`.
    public var environment: [String: String]
    /// The most PostgreSQL connections this replica opens (size it so replicas × this stays under
    /// the server's `max_connections`).
    public var databaseMaxConnections = 20
    /// How often the usage writer flushes to PostgreSQL.
    public var usageFlushInterval: Duration = .milliseconds(100)
    /// Where usage is spooled before it reaches PostgreSQL; `<data dir>/spool` when nil. One
    /// process at a time: each replica needs its own.
    public var spoolDirectory: String?
    /// The spool size past which new calls are refused with 503 `metering_unavailable`.
    public var spoolMaxBytes = 1 << 30
    /// Whether budget alert webhooks may point at loopback, link-local and private addresses.
    public var allowPrivateWebhooks = false
    /// How long SIGTERM lets in-flight requests and streams finish before it cuts them.
    public var shutdownGrace: Duration = .seconds(25)
    /// What admission does while PostgreSQL does not answer.
    public var budgetEnforcement: BudgetEnforcement = .failOpen
    /// Failed authentications one client address may make in a minute before it is refused
    /// without a lookup.
    public var maxFailedAuthPerMinute = 30
    /// How long a key lookup is cached; also how long a revocation takes to reach other replicas.
    public var keyCacheTTL: Duration = .seconds(5)
    /// How often budget counters are raised to the spend other replicas wrote.
    public var budgetRefreshInterval: Duration = .seconds(1)
    /// How often budgets are checked for projected exhaustion and spend spikes (alerts).
    public var forecastCheckInterval: Duration = .seconds(300)
    /// How long after a failed webhook delivery a budget alert is sent again.
    public var alertRetryInterval: Duration = .seconds(30)
    /// The gateway's clock: budget periods and usage times. Tests move it across month ends.
    public var clock: @Sendable () -> Date = { Date() }
    /// Seeds the weighted draw of deployment order (nil: the system's randomness), so tests get
    /// the same order every run.
    public var routingSeed: UInt64?

    /// Seconds given as a number, as a duration: NaN and negatives are 0, and anything past a
    /// day is a day (a huge value must not trap on its way to an integer).
    public static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }

    /// The spool directory in effect.
    public var spoolPath: String { spoolDirectory ?? dataDirectory + "/spool" }

    public init(environment: [String: String]) {
        self.environment = environment
        if let host = environment["TOLLGATE_HOST"], !host.isEmpty { self.host = host }
        if let port = environment["TOLLGATE_PORT"].flatMap(Int.init) { self.port = port }
        if let port = environment["TOLLGATE_METRICS_PORT"].flatMap(Int.init), (1...65535).contains(port) { self.metricsPort = port }
        if let directory = environment["TOLLGATE_DATA_DIR"], !directory.isEmpty { self.dataDirectory = directory }
        if let key = environment["TOLLGATE_ADMIN_KEY"], !key.isEmpty { self.adminKey = key }
        if let bytes = environment["TOLLGATE_MAX_BODY_BYTES"].flatMap(Int.init), bytes > 0 { self.maxBodyBytes = bytes }
        if let seconds = environment["TOLLGATE_UPSTREAM_TIMEOUT"].flatMap(Double.init), seconds > 0 {
            self.upstreamTimeout = Self.duration(seconds: seconds)
        }
        if let file = environment["TOLLGATE_CONFIG"], !file.isEmpty { self.configFile = file }
        if let directory = environment["TOLLGATE_PRICING_DIR"], !directory.isEmpty { self.pricingDirectory = directory }
        if let directory = environment["TOLLGATE_MIGRATIONS_DIR"], !directory.isEmpty { self.migrationsDirectory = directory }
        if environment["TOLLGATE_ALLOW_PRIVATE_WEBHOOKS"] == "1" || environment["TOLLGATE_ALLOW_PRIVATE_WEBHOOKS"] == "true" {
            self.allowPrivateWebhooks = true
        }
        if let seconds = environment["TOLLGATE_SHUTDOWN_GRACE"].flatMap(Double.init), seconds >= 0 {
            self.shutdownGrace = Self.duration(seconds: seconds)
        }
        if let mode = environment["TOLLGATE_BUDGET_ENFORCEMENT"].flatMap(BudgetEnforcement.init(rawValue:)) { self.budgetEnforcement = mode }
        if let bytes = environment["TOLLGATE_SPOOL_MAX_BYTES"].flatMap(Int.init), bytes > 0 { self.spoolMaxBytes = bytes }
        if let connections = environment["TOLLGATE_DB_MAX_CONNECTIONS"].flatMap(Int.init), (2...1000).contains(connections) {
            self.databaseMaxConnections = connections
        }
        if let milliseconds = environment["TOLLGATE_USAGE_FLUSH_MS"].flatMap(Int64.init), milliseconds > 0 {
            self.usageFlushInterval = .milliseconds(milliseconds)
        }
    }
}
