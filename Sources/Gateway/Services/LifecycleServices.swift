import AsyncHTTPClient
import Foundation
import Governance
import Logging
import Metering
import PostgresStorage
import Providers
import ServiceLifecycle

/// Keeps the upstream HTTP clients alive until graceful shutdown, then shuts them down (each
/// must be shut down before it is released).
struct HTTPClientService: Service {
    let clients: LoopLocalHTTPClients

    func run() async throws {
        try? await gracefulShutdown()
        try await clients.shutdown()
    }
}

/// Runs the usage writer on the background thread; on graceful shutdown it writes what is
/// queued, then returns.
struct UsageRecorderService: Service {
    let recorder: UsageRecorder

    func run() async {
        await withTaskExecutorPreference(BackgroundExecutor.shared) {
            await withGracefulShutdownHandler {
                await recorder.run()
            } onGracefulShutdown: {
                recorder.finish()
            }
        }
    }
}

/// Stops the managed PostgreSQL cluster when the gateway stops; listed first, so it stops last.
struct EmbeddedPostgresService: Service {
    let cluster: EmbeddedPostgres

    func run() async throws {
        try? await gracefulShutdown()
        try cluster.stop()
    }
}

/// Forgets cached keys as soon as any replica announces a change to them, reloads prices when one
/// announces a price change, and re-reads budget counters after a reprice.
struct GovernanceChangeService: Service {
    let listener: PostgresGovernanceListener
    let cache: PrincipalCache
    let prices: PriceSync
    let budgets: BudgetService

    func run() async {
        await cancelWhenGracefulShutdown {
            await listener.listen { change in
                switch change {
                case .key(let id): cache.invalidate(keyID: id)
                case .team(let id): cache.invalidate(teamID: id)
                case .prices: prices.requestReload()
                case .spend: Task { try? await budgets.spendAdjusted() }
                }
            }
        }
    }
}

/// Runs `work` every `interval` until graceful shutdown: housekeeping any replica may do (a
/// failed round is logged and tried again next time).
struct PeriodicService: Service {
    /// What the work is, for the log line when it fails.
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully else { return }
            do {
                // A database that does not answer must not hold up shutdown.
                try await cancelWhenGracefulShutdown { try await work() }
            } catch {
                guard !Task.isShuttingDownGracefully else { return }
                logger.warning("\(name) failed", metadata: [LogKey.error: "\(loggable(error))"])
            }
        }
    }
}
