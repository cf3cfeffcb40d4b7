import Foundation
import Routing
import Synchronization

/// The providers and the routing table in force: one value, swapped whole when `tollgate.yaml`
/// is reloaded, so a request reads one consistent configuration from start to end.
struct RoutingSetup: Sendable {
    let catalog: ProviderCatalog
    let table: RoutingTable
    /// Negotiated price multipliers by provider name.
    let multipliers: [String: Decimal]

    init(catalog: ProviderCatalog, table: RoutingTable) {
        self.catalog = catalog
        self.table = table
        self.multipliers = catalog.endpoints.compactMapValues(\.priceMultiplier)
    }

    /// Reads the built-in providers of `environment` and `configFile` (nil for none).
    static func load(environment: [String: String], configFile: String?) throws -> RoutingSetup {
        let (catalog, table) = try ProviderCatalog.load(environment: environment, configFile: configFile)
        return RoutingSetup(catalog: catalog, table: table)
    }
}

/// Holds the `RoutingSetup` in force and every deployment's health. A reload replaces the setup;
/// requests already running keep the one they started with, and breakers keep their state.
final class RoutingBook: Sendable {
    private let setup: Mutex<RoutingSetup>
    let health: HealthBoard
    /// The draws of weighted deployment order.
    let random: RouteRandom

    init(_ setup: RoutingSetup, random: RouteRandom = RouteRandom()) {
        self.setup = Mutex(setup)
        self.health = HealthBoard(limits: setup.table.limits)
        self.random = random
    }

    var current: RoutingSetup { setup.withLock { $0 } }

    func replace(with new: RoutingSetup) {
        setup.withLock { $0 = new }
        health.reconfigure(new.table.limits)
    }
}
