import Logging
import Pricing
import ServiceLifecycle

/// Keeps this replica's price book equal to the prices in PostgreSQL: reloaded when any replica
/// announces a change (within a second or two), and every `refreshInterval` in case an
/// announcement was missed while the listening connection was down.
///
/// At start the built-in catalogue and the `--pricing-dir` files are seeded into the table (an
/// entry set through the admin API for the same model and day is left alone), then the table is
/// loaded, before the server accepts calls.
final class PriceSync: Service, Sendable {
    let store: any PriceStore
    let book: PriceBook
    let refreshInterval: Duration
    let logger: Logger
    private let requests: AsyncStream<Void>
    private let requestContinuation: AsyncStream<Void>.Continuation

    init(store: any PriceStore, book: PriceBook, refreshInterval: Duration = .seconds(30), logger: Logger) {
        self.store = store
        self.book = book
        self.refreshInterval = refreshInterval
        self.logger = logger
        (requests, requestContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Seeds the catalogue and the files' entries, then loads the table.
    func seedAndLoad(builtIn: [PriceEntry], files: [PriceEntry]) async throws {
        let seeded = try await store.seed(builtIn, origin: .builtIn) + store.seed(files, origin: .file)
        if seeded > 0 { logger.info("seeded prices", metadata: ["tollgate.prices": "\(seeded)"]) }
        try await reload()
    }

    /// Loads every entry in force into the book.
    func reload() async throws {
        let entries = try await store.entriesInForce()
        let table = PriceTable(entries: entries) { entry, error in
            self.logger.error("a stored price no longer validates and is left out", metadata: [
                LogKey.model: "\(entry.model)", LogKey.error: "\(error)",
            ])
        }
        book.replace(with: table)
    }

    /// Asks for a reload soon (a replica announced a change); never waits.
    func requestReload() {
        requestContinuation.yield()
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.refreshInterval)
                        self.requestReload()
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await _ in self.requests {
                        do {
                            try await self.reload()
                        } catch {
                            self.logger.warning("reloading prices failed; the last table stays in force", metadata: [LogKey.error: "\(error)"])
                        }
                    }
                }
            }
            await group.waitForAll()
        }
    }
}
