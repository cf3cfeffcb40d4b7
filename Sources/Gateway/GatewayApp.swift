import AsyncHTTPClient
import Foundation
import Governance
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresStorage
import Pricing
import Providers
import Routing
import ServiceLifecycle

/// Builds the gateway: its stores, caches, upstream client and usage writer, and the router.
public enum GatewayApp {
    public typealias App = Application<RouterResponder<TollgateRequestContext>>

    /// The built application and the parts an operator or a test may need to reach.
    public struct Built: Sendable {
        public var app: App
        /// The usage writer: `flush()` makes every recorded request durable now.
        public var recorder: UsageRecorder
        /// Re-reads the configuration file, as SIGHUP does; false when it was rejected.
        public var reloadConfiguration: @Sendable () -> Bool
        /// Every route the router serves, as `{name}` templates (`/admin/teams/{id}`).
        public var routes: [(method: HTTPRequest.Method, path: String)]
        /// The upstream client; its service shuts it down, but a run that never started its
        /// services (a signal during start-up) must still do so before it is released.
        var http: HTTPClient

        /// Shuts down what the services would have, if they never ran; harmless after they did.
        public func shutDownLeftovers() async {
            try? await http.shutdown()
        }
    }

    /// The application for `configuration` on the database `database`. `services` run before the
    /// gateway's own (and stop after them): pass a managed cluster's service here.
    public static func build(
        configuration: GatewayConfiguration, database: PostgresClient.Configuration, adminKey: String,
        services extra: [any Service] = [], logger: Logger
    ) throws -> Built {
        let builtInPrices = try PriceTable.builtInEntries()
        let catalogue = try PriceFile.builtIn().map(\.info)
        let filePrices = try configuration.pricingDirectory.map(PriceTable.fileEntries(in:)) ?? []
        // Until the stored prices are loaded (before the server starts), the local catalogue.
        let prices = PriceBook(try PriceTable(builtIn: builtInPrices, files: filePrices))
        let configFile = configuration.configFile ?? Self.defaultConfigFile()
        let routing = RoutingBook(
            try RoutingSetup.load(environment: configuration.environment, configFile: configFile), random: RouteRandom(seed: configuration.routingSeed))
        let migrations = MigrationRunner(directory: configuration.migrationsDirectory)
        _ = try migrations.files()

        // Database connections live on the background thread with the usage writer, their main user.
        var database = database
        database.options.maximumConnections = configuration.databaseMaxConnections
        let postgres = PostgresClient(configuration: database, eventLoopGroup: BackgroundExecutor.shared.eventLoopGroup, backgroundLogger: logger)
        let governance = PostgresGovernanceStore(client: postgres, logger: logger)
        let cache = PrincipalCache(store: governance, timeToLive: configuration.keyCacheTTL)

        // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set; without them the upstream client makes
        // no span at all (its default would be a no-op span per call).
        let tracing = try GatewayTracing.make(environment: configuration.environment, logger: logger)
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.tracing.tracer = tracing?.tracer
        let silence = TimeAmount.milliseconds(Int64(configuration.upstreamTimeout / .milliseconds(1)))
        httpConfiguration.timeout = .init(connect: .seconds(5), read: silence)
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        httpConfiguration.decompression = .enabled(limit: .ratio(50))
        // Provider keys and prompts go only to the configured hosts: a redirect is an error.
        httpConfiguration.redirectConfiguration = .disallow
        let upstreamClients = LoopLocalHTTPClients(group: .singleton, configuration: httpConfiguration)
        // Webhooks are few and leave from the background thread: any one client does.
        let http = upstreamClients.current

        let priceSync = PriceSync(store: PostgresPriceStore(client: postgres, logger: logger), book: prices, logger: logger)
        let budgetStore = PostgresBudgetStore(client: postgres, logger: logger)
        let alerts = AlertDispatcher(
            store: budgetStore, teams: governance, http: http, logger: logger, retryInterval: configuration.alertRetryInterval,
            allowPrivateWebhooks: configuration.allowPrivateWebhooks)
        let health = DatabaseHealth(check: PostgresHealthCheck(client: postgres, logger: logger), logger: logger)
        let budgets = BudgetService(
            store: budgetStore, alerts: alerts, clock: configuration.clock, enforcement: configuration.budgetEnforcement,
            databaseReachable: { health.isReachable }, logger: logger)
        let metrics = GatewayMetrics()
        let recorder = try UsageRecorder(
            store: TimedUsageStore(store: PostgresUsageStore(client: postgres, logger: logger), metrics: metrics), spool: try FileSpoolStorage(directory: configuration.spoolPath),
            flushInterval: configuration.usageFlushInterval, spoolMaxBytes: configuration.spoolMaxBytes, logger: logger,
            sleep: { try await BackgroundExecutor.shared.sleep(for: $0) },
            onWritten: { events, result in await budgets.written(events, result: result) },
            onRecorded: { event in metrics.record(event) })

        let idempotencyStore = PostgresIdempotencyStore(client: postgres, logger: logger)
        let runStore = PostgresRunStore(client: postgres, logger: logger)
        let meter = UsageMeter(
            prices: prices, recorder: recorder, multiplier: { provider in routing.current.multipliers[provider] }, logger: logger)

        let router = Router(context: TollgateRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        if let tracing { router.middlewares.add(TracingMiddleware(tracer: tracing.tracer)) }
        router.get("/health") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        router.get("/openapi.json") { _, _ in
            OpenAPIDocument.response()
        }
        router.get("/ready") { _, _ in
            Readiness(database: health, recorder: recorder).response()
        }

        let reporter = SpendReporter(store: PostgresSpendReportStore(client: postgres, logger: logger), recorder: recorder)
        // Failed authentications, admin and team keys alike, counted per client address.
        let failures = FailedAuthLimiter(maxFailures: configuration.maxFailedAuthPerMinute)
        let sessions = DashboardSessions(adminKey: adminKey, clock: configuration.clock)
        let v1 = router.group("v1").add(middleware: APIKeyAuthMiddleware(cache: cache, failures: failures, sessions: sessions))
        ProxyController(
            routing: routing, providers: ProviderSet(http: UpstreamHTTP(clients: upstreamClients)),
            meter: meter, budgets: budgets, idempotency: IdempotencyGuard(store: idempotencyStore, clock: configuration.clock),
            runs: RunBook(store: runStore, clock: configuration.clock, logger: logger), metrics: metrics, maxBodyBytes: configuration.maxBodyBytes
        ).add(to: v1)
        BudgetController(budgets: budgets).add(to: v1)
        v1.get("spend") { request, context in
            try await reporter.report(for: request, forcedTeam: try context.requirePrincipal().team.id)
        }
        let usageList = UsageListController(store: PostgresUsageListStore(client: postgres, logger: logger), recorder: recorder)
        v1.get("usage") { request, context in
            try await usageList.list(request, forcedTeam: try context.requirePrincipal().team.id)
        }
        let whatIf = WhatIfController(store: PostgresWhatIfStore(client: postgres, logger: logger), prices: prices, recorder: recorder,
                                      clock: configuration.clock)
        v1.get("what-if") { request, context in
            try await whatIf.whatIf(request, forcedTeam: try context.requirePrincipal().team.id)
        }

        let admin = router.group("admin").add(middleware: AdminAuthMiddleware(adminKey: adminKey, failures: failures, sessions: sessions))
        DashboardController(sessions: sessions, adminKey: adminKey, cache: cache, failures: failures).add(to: router)
        router.group("metrics").add(middleware: AdminAuthMiddleware(adminKey: adminKey, failures: failures)).get { _, _ in
            metrics.response(recorder: recorder, health: routing.health, budgets: budgets, now: configuration.clock())
        }
        let adminController = AdminController(
            teams: governance, keys: governance, cache: cache, budgets: budgets, reporter: reporter,
            isKnownModel: { model in
                let table = prices.table
                return table.price(for: model) != nil && routing.current.catalog.deployment(for: model, prices: table) != nil
            },
            checkRoutes: { routes in
                do {
                    try routing.current.table.validate(teamRoutes: routes)
                    return nil
                } catch {
                    return "\(error)"
                }
            },
            maxBodyBytes: configuration.maxBodyBytes,
            allowPrivateWebhooks: configuration.allowPrivateWebhooks
        )
        adminController.add(to: admin)
        v1.get("team", use: adminController.ownTeam)
        PriceController(sync: priceSync, maxBodyBytes: configuration.maxBodyBytes, catalogue: catalogue).add(to: admin)
        whatIf.add(to: admin)
        admin.get("usage") { request, _ in try await usageList.list(request, forcedTeam: nil) }
        DeploymentController(routing: routing, clock: configuration.clock).add(to: admin)
        RepriceController(
            repricer: PostgresRepricer(client: postgres, logger: logger), meter: meter, budgets: budgets, maxBodyBytes: configuration.maxBodyBytes
        ).add(to: admin)

        logger.info("serving models", metadata: [
            "tollgate.providers": "\(routing.current.catalog.endpoints.keys.sorted().joined(separator: ", "))",
            "tollgate.models": "\(routing.current.catalog.models(prices: prices.table, at: configuration.clock()).joined(separator: ", "))",
        ])
        let reloader = ConfigReloadService(routing: routing, environment: configuration.environment, configFile: configFile, logger: logger)
        var services = extra
        if let tracing { services.append(tracing.service) }
        if let metricsPort = configuration.metricsPort {
            // /metrics alone, open, on its own port: for a Prometheus that scrapes inside the network.
            let metricsRouter = Router()
            metricsRouter.get("metrics") { _, _ in
                metrics.response(recorder: recorder, health: routing.health, budgets: budgets, now: configuration.clock())
            }
            services.append(Application(
                router: metricsRouter, configuration: .init(address: .hostname(configuration.host, port: metricsPort), serverName: "tollgate-metrics"),
                logger: logger))
        }
        var app = Application(
            router: router,
            server: .http1(shutdownGrace: configuration.shutdownGrace),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate"),
            services: services + [
                postgres, health, GovernanceChangeService(listener: PostgresGovernanceListener(client: postgres, logger: logger), cache: cache, prices: priceSync,
                    budgets: budgets),
                priceSync,
                HTTPClientService(clients: upstreamClients), alerts, UsageRecorderService(recorder: recorder),
                reloader,
                // The ledger kept in step with the spend other replicas write.
                PeriodicService(name: "budget refresh", interval: configuration.budgetRefreshInterval, logger: logger) {
                    try await budgets.refresh()
                },
                PeriodicService(name: "budget forecast check", interval: configuration.forecastCheckInterval, logger: logger) {
                    try await budgets.checkForecasts()
                },
                PeriodicService(name: "idempotency key purge", interval: .seconds(3600), logger: logger) {
                    _ = try await idempotencyStore.purgeExpired(now: configuration.clock())
                },
                PeriodicService(name: "ended run purge", interval: .seconds(3600), logger: logger) {
                    _ = try await runStore.purgeEnded(now: configuration.clock())
                },
            ],
            logger: logger
        )
        app.beforeServerStarts {
            try await migrations.migrate(postgres, logger: logger)
            try await priceSync.seedAndLoad(builtIn: builtInPrices, files: filePrices)
        }
        return Built(
            app: app, recorder: recorder, reloadConfiguration: { reloader.reload() },
            routes: router.routes.map { ($0.method, $0.path.description) }, http: http)
    }

    /// `./tollgate.yaml` when it exists.
    static func defaultConfigFile() -> String? {
        FileManager.default.fileExists(atPath: "tollgate.yaml") ? "tollgate.yaml" : nil
    }
}
