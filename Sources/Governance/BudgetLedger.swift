import Foundation
import Pricing
import Synchronization

/// Where one scope's budget stands in one period: the spend the database reports, the spend this
/// replica settled but has not yet written, and open reservations.
public struct BudgetCounter: Sendable, Hashable {
    /// Spend written to the shared store, as last read from it (never lowered: spend only grows).
    public var persisted: Money = .zero
    /// Spend this replica settled and has not yet seen written.
    public var unwritten: Money = .zero
    /// Upper estimates of requests admitted here and not yet settled.
    public var reserved: Money = .zero
    /// Whether `persisted` was read from the shared store; a counter made by admission while the
    /// store was out holds only this replica's own spend until it is.
    public var loaded = false

    public var spent: Money { persisted + unwritten }
}

/// Identifies a counter: whose budget, and which period (by its start).
public struct BudgetKey: Sendable, Hashable {
    public var kind: BudgetScopeKind
    public var id: UUID
    public var periodStart: Date

    public init(kind: BudgetScopeKind, id: UUID, periodStart: Date) {
        self.kind = kind
        self.id = id
        self.periodStart = periodStart
    }
}

/// A scope as admission needs it: its counter's key, its name and its limits.
public struct BudgetScope: Sendable, Hashable {
    public var key: BudgetKey
    public var name: String
    public var hardLimit: Money?
    public var softLimit: Money?
    public var period: BudgetPeriod

    public init(key: BudgetKey, name: String, hardLimit: Money?, softLimit: Money?, period: BudgetPeriod) {
        self.key = key
        self.name = name
        self.hardLimit = hardLimit
        self.softLimit = softLimit
        self.period = period
    }
}

/// What an admitted request holds until it settles: the estimate reserved on each scope.
public struct BudgetReservation: Sendable, Hashable {
    public var keys: [BudgetKey]
    public var amount: Money
}

/// This replica's budget counters: admission decides and reserves in one atomic step, so
/// concurrent requests can never together pass a hard limit.
///
/// Counters must be loaded from the shared store (`load`) before a scope's first admission; written
/// spend is folded in with `written`, other replicas' spend with `refresh`.
public final class BudgetLedger: Sendable {
    private let counters = Mutex<[BudgetKey: BudgetCounter]>([:])

    public init() {}

    /// The keys among `keys` whose counter was never read from the shared store.
    public func unloaded(_ keys: [BudgetKey]) -> [BudgetKey] {
        counters.withLock { counters in keys.filter { counters[$0]?.loaded != true } }
    }

    /// Starts counters from the shared store's spend; a counter already there is raised, never lowered.
    public func load(_ spend: [BudgetKey: Money]) {
        counters.withLock { counters in
            for (key, value) in spend {
                var counter = counters[key] ?? BudgetCounter()
                counter.persisted = max(counter.persisted, value)
                counter.loaded = true
                counters[key] = counter
            }
        }
    }

    /// Decides on a request and, when it is admitted, reserves `estimate(servedModel)` on every scope.
    public func admit(
        scopes: [BudgetScope], model: String, downgrades: [String: String], estimate: (String) -> Money?
    ) -> (BudgetDecision, BudgetReservation?) {
        counters.withLock { counters in
            let decision = BudgetGuard.decide(
                scopes: Self.snapshots(scopes, counters), model: model, downgrades: downgrades, estimate: estimate)
            let served: String
            switch decision {
            case .reject: return (decision, nil)
            case .allow: served = model
            case .downgrade(let cheaper, _): served = cheaper
            }
            // Reservations guard hard limits; without one there is nothing to reserve against.
            guard scopes.contains(where: { $0.hardLimit != nil }) else { return (decision, nil) }
            let amount = estimate(served) ?? .zero
            for scope in scopes {
                counters[scope.key, default: BudgetCounter()].reserved += amount
            }
            return (decision, BudgetReservation(keys: scopes.map(\.key), amount: amount))
        }
    }

    /// The decision `admit` would take now, without reserving anything (a cost preview).
    public func decide(
        scopes: [BudgetScope], model: String, downgrades: [String: String], estimate: (String) -> Money?
    ) -> BudgetDecision {
        counters.withLock { counters in
            BudgetGuard.decide(scopes: Self.snapshots(scopes, counters), model: model, downgrades: downgrades, estimate: estimate)
        }
    }

    private static func snapshots(_ scopes: [BudgetScope], _ counters: [BudgetKey: BudgetCounter]) -> [BudgetSnapshot] {
        scopes.map { scope in
            let counter = counters[scope.key] ?? BudgetCounter()
            return BudgetSnapshot(
                kind: scope.key.kind, id: scope.key.id, name: scope.name, hardLimit: scope.hardLimit, softLimit: scope.softLimit,
                spent: counter.spent, reserved: counter.reserved, period: scope.period)
        }
    }

    /// Replaces a reservation by the request's real cost (nil or zero when nothing is owed).
    public func settle(_ reservation: BudgetReservation, cost: Money?) {
        counters.withLock { counters in
            for key in reservation.keys {
                var counter = counters[key] ?? BudgetCounter()
                counter.reserved = max(counter.reserved - reservation.amount, .zero)
                counter.unwritten += cost ?? .zero
                counters[key] = counter
            }
        }
    }

    /// Folds in spend that was written to the shared store: `persisted` is the store's figure read
    /// after the write, `written` what this replica wrote per counter.
    public func written(_ written: [BudgetKey: Money], persisted: [BudgetKey: Money]) {
        counters.withLock { counters in
            for (key, amount) in written {
                var counter = counters[key] ?? BudgetCounter()
                counter.persisted = max(counter.persisted, persisted[key] ?? counter.persisted + amount)
                counter.unwritten = max(counter.unwritten - amount, .zero)
                counters[key] = counter
            }
        }
    }

    /// Raises counters to the shared store's figures (other replicas' spend).
    public func refresh(_ persisted: [BudgetKey: Money]) {
        load(persisted)
    }

    /// Sets counters to the shared store's figures, lower ones included: after stored spend was
    /// adjusted (a reprice), when raising alone would keep charging a corrected overcharge.
    public func reset(_ persisted: [BudgetKey: Money]) {
        counters.withLock { counters in
            for (key, value) in persisted {
                var counter = counters[key] ?? BudgetCounter()
                counter.persisted = value
                counter.loaded = true
                counters[key] = counter
            }
        }
    }

    /// The counter for `key`, zero when never loaded.
    public func counter(_ key: BudgetKey) -> BudgetCounter {
        counters.withLock { $0[key] ?? BudgetCounter() }
    }

    /// Several counters under one lock, in the order of `keys`.
    public func counters(_ keys: [BudgetKey]) -> [BudgetCounter] {
        counters.withLock { counters in keys.map { counters[$0] ?? BudgetCounter() } }
    }

    /// Every counter of a period that has not ended at `date`, for refreshing.
    public func activeKeys(at date: Date) -> [BudgetKey] {
        counters.withLock { counters in
            // Drop counters of periods long past so the table does not grow forever.
            counters = counters.filter { date.timeIntervalSince($0.key.periodStart) < 62 * 86_400 }
            return Array(counters.keys)
        }
    }
}
