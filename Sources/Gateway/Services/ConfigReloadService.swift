import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads `tollgate.yaml` on SIGHUP. A file that does not validate is rejected with a log line
/// saying where, and the configuration in force stays; requests in flight keep the one they
/// started with either way.
struct ConfigReloadService: Service {
    let routing: RoutingBook
    let environment: [String: String]
    let configFile: String?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Loads the file and swaps it in; returns whether it was taken.
    @discardableResult
    func reload() -> Bool {
        do {
            let setup = try RoutingSetup.load(environment: environment, configFile: configFile)
            routing.replace(with: setup)
            logger.info("reloaded the configuration", metadata: [
                "tollgate.config": "\(configFile ?? "none")", "tollgate.providers": "\(setup.catalog.endpoints.keys.sorted().joined(separator: ", "))",
            ])
            return true
        } catch {
            logger.error("rejected the configuration reload; the running configuration stays", metadata: [
                "tollgate.config": "\(configFile ?? "none")", LogKey.error: "\(error)",
            ])
            return false
        }
    }
}
