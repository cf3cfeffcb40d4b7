import Crypto
import Foundation
import Governance
import Logging
import PostgresStorage
import Metering
import Pricing
import Synchronization

/// Admission and settlement against budgets and rate limits, on this replica's in-memory ledger,
/// kept in step with the spend every replica writes to the shared store.
///
/// The request path reads the store only the first time a scope is seen in a period.
final class BudgetService: Sendable {
    let ledger = BudgetLedger()
    let limiter = RateLimiter()
    let store: any BudgetStore
    let alerts: AlertDispatcher
    let clock: @Sendable () -> Date
    private let logger: Logger
    /// The limits last seen for each counter, so written spend can be checked for alerts.
    private let watched = Mutex<[BudgetKey: WatchedScope]>([:])
    /// The current period of each time zone in use: calendar arithmetic costs more than the rest
    /// of admission, and the answer holds for a month.
    private let periods = Mutex<[TimeZone: BudgetPeriod]>([:])
    /// What admission does when the shared store cannot be read.
    let enforcement: BudgetEnforcement
    /// Whether PostgreSQL answers, from the health probe.
    private let databaseReachable: @Sendable () -> Bool
    /// When reading spend last failed: for a second after, admission does not wait on the store again.
    private let storeFailedAt = Mutex<ContinuousClock.Instant?>(nil)

    struct WatchedScope {
        var scope: BudgetScope
        var teamID: UUID
    }

    init(
        store: any BudgetStore, alerts: AlertDispatcher, clock: @escaping @Sendable () -> Date, enforcement: BudgetEnforcement = .failOpen,
        databaseReachable: @escaping @Sendable () -> Bool = { true }, logger: Logger
    ) {
        self.store = store
        self.enforcement = enforcement
        self.databaseReachable = databaseReachable
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    // MARK: Scopes

    /// The key's and the team's scopes in the current period, key first; then the end user's,
    /// when the call names one and the key caps its end users; then the run's, when the call
    /// belongs to a run with a budget.
    func scopes(for principal: Principal, endUser: String? = nil, run: AgentRun? = nil, at date: Date) -> [BudgetScope] {
        let period = period(containing: date, timeZone: principal.team.timeZone)
        var scopes = [
            BudgetScope(key: BudgetKey(kind: .key, id: principal.key.id, periodStart: period.start), name: principal.key.name,
                        hardLimit: principal.key.monthlyBudget, softLimit: principal.key.softBudget, period: period),
            BudgetScope(key: BudgetKey(kind: .team, id: principal.team.id, periodStart: period.start), name: principal.team.name,
                        hardLimit: principal.team.monthlyBudget, softLimit: principal.team.softBudget, period: period),
        ]
        if let endUser, let limit = principal.key.endUserMonthlyBudget {
            let id = Self.endUserScopeID(keyID: principal.key.id, endUser: endUser)
            scopes.append(BudgetScope(key: BudgetKey(kind: .endUser, id: id, periodStart: period.start), name: endUser,
                                      hardLimit: limit, softLimit: nil, period: period))
        }
        if let run, let budget = run.budget {
            let id = Self.runScopeID(teamID: run.teamID, run: run.name)
            scopes.append(BudgetScope(key: BudgetKey(kind: .run, id: id, periodStart: run.startedAt), name: run.name, hardLimit: budget,
                                      softLimit: nil, period: BudgetPeriod(start: run.startedAt, end: date.addingTimeInterval(AgentRun.lifetime))))
        }
        return scopes
    }

    /// The counter id of one run of one team: MD5 of `<team id>:<run>` as a UUID, as the usage
    /// writer computes it in SQL; the run's start is the counter's period.
    static func runScopeID(teamID: UUID, run: String) -> UUID {
        md5UUID("\(teamID.uuidString.lowercased()):\(run)")
    }

    /// The counter id of one end user of one key: MD5 of `<key id>:<end user>` read as a UUID,
    /// which is what the usage writer computes in SQL (`md5(key_id::text || ':' || end_user)::uuid`).
    /// Not a security boundary: a collision would only merge two end users' counters.
    static func endUserScopeID(keyID: UUID, endUser: String) -> UUID {
        md5UUID("\(keyID.uuidString.lowercased()):\(endUser)")
    }

    /// MD5 of `text` read as a UUID, as PostgreSQL's `md5(text)::uuid`.
    private static func md5UUID(_ text: String) -> UUID {
        let digest = Array(Insecure.MD5.hash(data: Array(text.utf8)))
        return UUID(uuid: (digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                           digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
    }

    /// The budget period containing `date` in `timeZone`, from the cache while it still holds.
    func period(containing date: Date, timeZone: TimeZone) -> BudgetPeriod {
        if let known = periods.withLock({ $0[timeZone] }), known.start <= date, date < known.end {
            return known
        }
        let period = BudgetPeriod(containing: date, timeZone: timeZone)
        periods.withLock { $0[timeZone] = period }
        return period
    }

    /// Loads counters this replica has not seen yet from the shared store.
    func load(_ scopes: [BudgetScope], teamID: UUID) async throws {
        // Written only when new or changed: this runs on every request. End users' and runs'
        // limits send no alerts (there may be thousands): their refusals name them instead.
        watched.withLock { watched in
            for scope in scopes where scope.key.kind.sendsAlerts && watched[scope.key]?.scope != scope {
                watched[scope.key] = WatchedScope(scope: scope, teamID: teamID)
            }
        }
        let missing = ledger.unloaded(scopes.map(\.key))
        guard !missing.isEmpty else { return }
        // A store that is merely slow is waited for (10 s): failing open on a slow read would
        // admit requests against spend this replica never read.
        if let failed = storeFailedAt.withLock({ $0 }), ContinuousClock.now - failed < .seconds(1) {
            throw DeadlineExceeded(duration: .seconds(1))
        }
        do {
            let store = self.store
            ledger.load(try await withDeadline(.seconds(10)) { try await store.spend(missing) })
            storeFailedAt.withLock { $0 = nil }
        } catch {
            storeFailedAt.withLock { $0 = ContinuousClock.now }
            throw error
        }
    }

    // MARK: Admission

    /// Checks rate limits, then budgets; reserves the request's upper estimate. Throws the
    /// caller-facing error when the request may not go ahead.
    ///
    /// - Parameters:
    ///   - estimate: the request's upper cost estimate on a model; nil when the model has no price.
    ///   - tokens: the request's token estimate for `tpm_limit`.
    ///   - downgrades: the team's downgrade map, limited to models this gateway can serve.
    ///   - countsAgainstRateLimits: false for a fallback hop of a request already counted.
    func admit(
        _ principal: Principal, endUser: String? = nil, run: AgentRun? = nil, model: String, tokens: Int, downgrades: [String: String],
        estimate: (String) -> Money?, countsAgainstRateLimits: Bool = true
    ) async throws -> BudgetHold {
        let now = clock()
        let key = principal.key
        if countsAgainstRateLimits,
           case .limited(let limit, let retryAfter) = limiter.acquire(keyID: key.id, rpm: key.rpmLimit, tpm: key.tpmLimit, tokens: tokens, now: now) {
            throw GatewayError.rateLimited(limit, key: key.name, limitValue: limit == .requests ? key.rpmLimit : key.tpmLimit, retryAfter: retryAfter)
        }
        let scopes = scopes(for: principal, endUser: endUser, run: run, at: now)
        let budgeted = scopes.contains { $0.hardLimit != nil }
        if budgeted, enforcement == .failClosed, !databaseReachable() {
            limiter.adjust(keyID: key.id, tpm: key.tpmLimit, tokens: tokens)
            throw GatewayError.unavailable("Budgets cannot be checked right now (the database does not answer); try again shortly.")
        }
        do {
            try await load(scopes, teamID: principal.team.id)
        } catch {
            logger.error("cannot read budget spend", metadata: [LogKey.error: "\(loggable(error))"])
            if enforcement == .failClosed {
                limiter.adjust(keyID: key.id, tpm: key.tpmLimit, tokens: tokens)
                throw GatewayError.unavailable("Budgets cannot be checked right now; try again shortly.")
            }
            // Fail-open: enforce what this replica knows, the spend it last read plus its own since.
        }
        // Priced before the ledger's lock is taken: the decision inside it only compares.
        var estimates = [model: estimate(model)]
        if let cheaper = downgrades[model] { estimates[cheaper] = estimate(cheaper) }
        let (decision, reservation) = ledger.admit(scopes: scopes, model: model, downgrades: downgrades) { estimates[$0] ?? estimate($0) }
        switch decision {
        case .reject(let rejection):
            limiter.adjust(keyID: key.id, tpm: key.tpmLimit, tokens: tokens)
            if case .hardLimit = rejection.reason, rejection.scope.kind.sendsAlerts, let limit = rejection.scope.hardLimit,
               BudgetAlert.refusalExhausts(spent: rejection.scope.spent, reserved: rejection.scope.reserved, limit: limit) {
                alerts.check(scope: rejection.scope, limit: limit, teamID: principal.team.id, exhausted: true, at: now)
            }
            throw GatewayError.budgetExceeded(rejection, key: key.name, now: now)
        case .allow, .downgrade:
            break
        }
        var served = model
        if case .downgrade(let cheaper, let scope) = decision {
            served = cheaper
            logger.info("downgraded past the soft limit", metadata: [
                LogKey.model: "\(model)", "tollgate.served_model": "\(cheaper)", "tollgate.scope": "\(scope.kind.rawValue) \(scope.name)",
            ])
        }
        return BudgetHold(
            service: self, principal: principal, scopes: scopes, reservation: reservation,
            servedModel: served, downgradedFrom: served == model ? nil : model, tokens: tokens)
    }

    /// The decision admission would take now for `model`, without reserving anything or counting
    /// against rate limits (`POST /v1/cost/estimate`). Spend this replica has not read yet is read
    /// first, as for a real call.
    func preview(
        _ principal: Principal, endUser: String? = nil, model: String, downgrades: [String: String], estimate: (String) -> Money?
    ) async throws -> BudgetDecision {
        let scopes = scopes(for: principal, endUser: endUser, at: clock())
        do {
            try await load(scopes, teamID: principal.team.id)
        } catch {
            if enforcement == .failClosed, scopes.contains(where: { $0.hardLimit != nil }) {
                throw GatewayError.unavailable("Budgets cannot be checked right now; try again shortly.")
            }
        }
        return ledger.decide(scopes: scopes, model: model, downgrades: downgrades, estimate: estimate)
    }

    /// The tightest remaining budget over the scopes with a hard limit, nil when none has one;
    /// `adjustment` is added to what each scope has used (a hold about to settle at its cost).
    func remaining(_ scopes: [BudgetScope], adjustment: Money = .zero) -> Money? {
        let limited = scopes.filter { $0.hardLimit != nil }
        guard !limited.isEmpty else { return nil }
        let counters = ledger.counters(limited.map(\.key))
        return zip(limited, counters).compactMap { scope, counter in
            scope.hardLimit.map { max($0 - counter.spent - counter.reserved - adjustment, .zero) }
        }.min()
    }

    /// After a team's time zone changed from `old` to `new`: the current period's spend so far
    /// counts in the new zone's period too (see `BudgetStore.carrySpend`), here and, through the
    /// store, on every replica.
    func carrySpend(teamID: UUID, from old: TimeZone, to new: TimeZone) async throws {
        let now = clock()
        let from = period(containing: now, timeZone: old).start
        let to = period(containing: now, timeZone: new).start
        guard from != to else { return }
        try await store.carrySpend(teamID: teamID, from: from, to: to)
        // Counters of the new period this replica already holds are raised to the carried figure.
        let known = ledger.activeKeys(at: now).filter { $0.periodStart == to }
        if !known.isEmpty { ledger.refresh(try await store.spend(known)) }
    }

    // MARK: Written spend

    /// Called after each batch of usage events is written: folds the written spend into the
    /// counters with the store's figures (which the write returned), then checks alert thresholds.
    func written(_ events: [UsageEvent], result: UsageWriteResult) async {
        var amounts: [BudgetKey: Money] = [:]
        for event in events {
            guard let start = event.budgetPeriodStart, let cost = event.cost else { continue }
            amounts[BudgetKey(kind: .team, id: event.teamID, periodStart: start), default: .zero] += cost
            amounts[BudgetKey(kind: .key, id: event.keyID, periodStart: start), default: .zero] += cost
            if let endUser = event.endUser {
                amounts[BudgetKey(kind: .endUser, id: Self.endUserScopeID(keyID: event.keyID, endUser: endUser), periodStart: start),
                        default: .zero] += cost
            }
            if let run = event.run, let started = event.runStartedAt {
                amounts[BudgetKey(kind: .run, id: Self.runScopeID(teamID: event.teamID, run: run), periodStart: started), default: .zero] += cost
            }
        }
        guard !amounts.isEmpty else { return }
        var persisted: [BudgetKey: Money] = [:]
        for spend in result.spend {
            guard let kind = BudgetScopeKind(rawValue: spend.scope) else { continue }
            persisted[BudgetKey(kind: kind, id: spend.id, periodStart: spend.periodStart)] = spend.spent
        }
        // Events already written by an earlier attempt return no figure: their spend was counted
        // then, and the ledger assumes the store grew by it.
        ledger.written(amounts, persisted: persisted)
        checkAlerts(Array(amounts.keys))
    }

    /// Sets every active counter to the shared store's figure, after stored spend was adjusted.
    func spendAdjusted() async throws {
        let keys = ledger.activeKeys(at: clock())
        guard !keys.isEmpty else { return }
        ledger.reset(try await store.spend(keys))
        checkAlerts(keys)
    }

    /// Raises every active counter to the shared store's figure: other replicas' spend.
    func refresh() async throws {
        let keys = ledger.activeKeys(at: clock())
        guard !keys.isEmpty else { return }
        ledger.refresh(try await store.spend(keys))
        checkAlerts(keys)
    }

    private func checkAlerts(_ keys: [BudgetKey]) {
        let now = clock()
        let scopes = watched.withLock { watched in keys.compactMap { watched[$0] } }
        for watchedScope in scopes {
            guard let limit = watchedScope.scope.hardLimit else { continue }
            let counter = ledger.counter(watchedScope.scope.key)
            let snapshot = BudgetSnapshot(
                kind: watchedScope.scope.key.kind, id: watchedScope.scope.key.id, name: watchedScope.scope.name,
                hardLimit: limit, softLimit: watchedScope.scope.softLimit, spent: counter.spent, reserved: counter.reserved,
                period: watchedScope.scope.period)
            alerts.check(scope: snapshot, limit: limit, teamID: watchedScope.teamID, exhausted: false, at: now)
        }
    }

    // MARK: Status

    /// Where each of the principal's scopes stands now, key first.
    func status(_ principal: Principal) async throws -> [BudgetSnapshot] {
        let now = clock()
        let scopes = scopes(for: principal, at: now)
        try await load(scopes, teamID: principal.team.id)
        var snapshots: [BudgetSnapshot] = []
        for scope in scopes {
            let counter = ledger.counter(scope.key)
            var snapshot = BudgetSnapshot(
                kind: scope.key.kind, id: scope.key.id, name: scope.name, hardLimit: scope.hardLimit, softLimit: scope.softLimit,
                spent: counter.spent, reserved: counter.reserved, period: scope.period)
            snapshot.forecast = try await forecast(snapshot, teamID: principal.team.id, now: now)
            snapshots.append(snapshot)
        }
        return snapshots
    }

    /// Where a team's or key's budget is heading, from the spend written in the last day and week
    /// (see `BudgetForecast`).
    func forecast(_ snapshot: BudgetSnapshot, teamID: UUID, now: Date) async throws -> BudgetForecast {
        let recent = try await store.recentSpend(kind: snapshot.kind, id: snapshot.id, teamID: teamID, now: now)
        return BudgetForecast.project(spent: snapshot.spent, limit: snapshot.hardLimit, periodEnd: snapshot.period.end, now: now,
                                      lastDay: recent.lastDay, lastWeek: recent.lastWeek)
    }

    /// Each team this replica serves: its spend this period and what is left under its hard limit.
    func teamSpend(at now: Date) -> [(id: UUID, spent: Money, remaining: Money?)] {
        let scopes = watched.withLock { $0.values.filter { $0.scope.key.kind == .team && $0.scope.period.start <= now && now < $0.scope.period.end } }
        return scopes.map { watched in
            let counter = ledger.counter(watched.scope.key)
            return (watched.scope.key.id, counter.spent, watched.scope.hardLimit.map { max($0 - counter.spent - counter.reserved, .zero) })
        }
    }

    // MARK: Forecast and spike alerts

    /// Sends `budget.projected_exhaustion` for each team and key scope with a hard limit this
    /// replica serves that is projected to run out more than 3 days before its period ends (once
    /// per scope and period), and `budget.spend_spike` for each team whose last hour's spend is
    /// more than 5 times the median of its hours with spend in the 7 days before (at most once
    /// an hour per team). Run periodically; claims make each alert once across replicas.
    func checkForecasts() async throws {
        let now = clock()
        let scopes = watched.withLock { Array($0.values) }
        var teams: [UUID: (name: String, limit: Money?)] = [:]
        for watched in scopes {
            let scope = watched.scope
            guard scope.period.start <= now, now < scope.period.end else { continue }
            if scope.key.kind == .team { teams[scope.key.id] = (scope.name, scope.hardLimit) }
            guard let limit = scope.hardLimit else { continue }
            let counter = ledger.counter(scope.key)
            guard counter.spent < limit else { continue }  // used up: the 100 % alert says so
            let snapshot = BudgetSnapshot(kind: scope.key.kind, id: scope.key.id, name: scope.name, hardLimit: limit, softLimit: scope.softLimit,
                                          spent: counter.spent, reserved: counter.reserved, period: scope.period)
            let forecast = try await forecast(snapshot, teamID: watched.teamID, now: now)
            guard let at = forecast.exhaustionAt, at < scope.period.end.addingTimeInterval(-Self.forecastWarning) else { continue }
            var alert = BudgetAlert(
                scope: scope.key.kind, scopeID: scope.key.id, scopeName: scope.name, teamID: watched.teamID,
                threshold: BudgetAlert.Event.projectedExhaustion.claimCode!, limit: limit, spent: counter.spent,
                periodStart: scope.period.start, periodEnd: scope.period.end, time: now)
            alert.event = .projectedExhaustion
            alert.projectedExhaustionAt = at
            alert.projectedSpend = forecast.projectedSpend
            alerts.send(alert)
        }
        for (team, info) in teams {
            let hours = try await store.hourlySpend(teamID: team, now: now)
            guard let lastHour = hours[0], let median = Self.spikeBaseline(hours), lastHour.amount > median.amount * 5 else { continue }
            let hourStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            var alert = BudgetAlert(
                scope: .team, scopeID: team, scopeName: info.name, teamID: team, threshold: BudgetAlert.Event.spendSpike.claimCode!,
                limit: info.limit ?? .zero, spent: lastHour, periodStart: hourStart, periodEnd: hourStart.addingTimeInterval(3600), time: now)
            alert.event = .spendSpike
            alert.lastHourSpend = lastHour
            alert.hourlyMedian = median
            alerts.send(alert)
        }
    }

    /// How long before its period's end a budget must be projected to run out to warn: 3 days.
    static let forecastWarning: TimeInterval = 3 * 86_400

    /// The median of the week's hours with spend (hours 1…168 of `hours`); nil with none (no
    /// baseline: a first hour of use is no spike).
    static func spikeBaseline(_ hours: [Int: Money]) -> Money? {
        let active = (1...168).compactMap { hours[$0] }.sorted()
        guard !active.isEmpty else { return nil }
        let middle = active.count / 2
        return active.count.isMultiple(of: 2) ? Money((active[middle - 1].amount + active[middle].amount) / 2) : active[middle]
    }

    /// The team's own scope, for the admin team view.
    func teamStatus(_ team: Team) async throws -> BudgetSnapshot {
        let period = period(containing: clock(), timeZone: team.timeZone)
        let scope = BudgetScope(key: BudgetKey(kind: .team, id: team.id, periodStart: period.start), name: team.name,
                                hardLimit: team.monthlyBudget, softLimit: team.softBudget, period: period)
        try await load([scope], teamID: team.id)
        let counter = ledger.counter(scope.key)
        var snapshot = BudgetSnapshot(kind: .team, id: team.id, name: team.name, hardLimit: team.monthlyBudget, softLimit: team.softBudget,
                                      spent: counter.spent, reserved: counter.reserved, period: period)
        snapshot.forecast = try await forecast(snapshot, teamID: team.id, now: clock())
        return snapshot
    }
}

/// What admission does while the shared store cannot be read.
public enum BudgetEnforcement: String, Sendable, CaseIterable {
    /// Serve, enforcing the last known spend plus this replica's own spend since (the default).
    case failOpen = "fail-open"
    /// Refuse budgeted requests with 503 until the store answers again.
    case failClosed = "fail-closed"
}

/// An admitted request's claim on the budgets: settled with the real cost, or released. A hold
/// dropped without either (a response never sent) releases itself.
final class BudgetHold: BudgetClaim {
    let principal: Principal
    let scopes: [BudgetScope]
    let servedModel: String
    let downgradedFrom: String?
    private let service: BudgetService
    private let reservation: BudgetReservation?
    private let tokens: Int
    private let open = Atomic<Bool>(true)

    init(service: BudgetService, principal: Principal, scopes: [BudgetScope], reservation: BudgetReservation?,
         servedModel: String, downgradedFrom: String?, tokens: Int) {
        self.service = service
        self.principal = principal
        self.scopes = scopes
        self.reservation = reservation
        self.servedModel = servedModel
        self.downgradedFrom = downgradedFrom
        self.tokens = tokens
    }

    var periodStart: Date? { scopes.first?.period.start }

    /// Replaces the reservation by the real cost and the token estimate by the real count.
    func settle(cost: Money?, tokensUsed: Int) {
        guard open.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if let reservation { service.ledger.settle(reservation, cost: cost) }
        service.limiter.adjust(keyID: principal.key.id, tpm: principal.key.tpmLimit, tokens: tokens.saturatingAdd(-max(tokensUsed, 0)))
    }

    /// Gives the reservation back: the request cost nothing.
    func release() {
        settle(cost: nil, tokensUsed: 0)
    }

    /// What is left under the tightest hard limit, for `x-tollgate-budget-remaining`.
    var remaining: Money? { service.remaining(scopes) }

    /// What will be left once this hold settles at `cost` (an answer's header is written before
    /// the answer is delivered and settled).
    func remaining(settlingAt cost: Money?) -> Money? {
        guard let reservation, open.load(ordering: .acquiring) else { return remaining }
        return service.remaining(scopes, adjustment: (cost ?? .zero) - reservation.amount)
    }

    deinit {
        if open.load(ordering: .acquiring), let reservation {
            service.ledger.settle(reservation, cost: nil)
        }
    }
}
