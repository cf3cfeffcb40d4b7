import AsyncHTTPClient
import Foundation
import Governance
import Logging
import PostgresStorage
import NIOCore
import NIOPosix
import Pricing
import ServiceLifecycle
import Synchronization

/// Sends budget alerts: each threshold of each scope once per period, claimed in the shared store
/// so that replicas never send it twice, delivered to the team's webhook at least once (failed
/// deliveries are retried), and always written to the log.
final class AlertDispatcher: Service, Sendable {
    private let store: any BudgetStore
    private let teams: any TeamStore
    private let http: HTTPClient
    private let logger: Logger
    private let queue: AsyncStream<BudgetAlert>
    private let continuation: AsyncStream<BudgetAlert>.Continuation
    /// Thresholds this replica has already queued, so a hot scope is not re-claimed on every write.
    private let queued = Mutex<Set<String>>([])
    /// Alerts being posted right now, so the retry loop does not post one a second time while
    /// its first delivery is still in flight.
    private let delivering = Mutex<Set<String>>([])
    private let retryInterval: Duration
    private let allowPrivateWebhooks: Bool

    init(
        store: any BudgetStore, teams: any TeamStore, http: HTTPClient, logger: Logger, retryInterval: Duration = .seconds(30),
        allowPrivateWebhooks: Bool = false
    ) {
        self.allowPrivateWebhooks = allowPrivateWebhooks
        self.store = store
        self.teams = teams
        self.http = http
        self.logger = logger
        self.retryInterval = retryInterval
        (queue, continuation) = AsyncStream.makeStream(of: BudgetAlert.self)
    }

    /// Queues an alert for every threshold `scope` has reached and that was not queued before.
    func check(scope: BudgetSnapshot, limit: Money, teamID: UUID, exhausted: Bool, at now: Date) {
        for threshold in BudgetAlert.reached(spent: scope.spent, limit: limit, exhausted: exhausted) {
            let id = Self.id(kind: scope.kind, scopeID: scope.id, periodStart: scope.period.start, threshold: threshold)
            guard queued.withLock({ $0.insert(id).inserted }) else { continue }
            continuation.yield(BudgetAlert(
                scope: scope.kind, scopeID: scope.id, scopeName: scope.name, teamID: teamID, threshold: threshold,
                limit: limit, spent: scope.spent, periodStart: scope.period.start, periodEnd: scope.period.end, time: now))
        }
    }

    /// Queues a forecast or spike alert unless it was queued before (its claim code and period
    /// make it once per scope and period, or once per team and hour).
    func send(_ alert: BudgetAlert) {
        guard queued.withLock({ $0.insert(Self.id(alert)).inserted }) else { return }
        continuation.yield(alert)
    }

    /// Delivers until graceful shutdown. Alerts still queued then are not lost for good: the
    /// thresholds are checked again after the next write on any replica, and claimed ones that
    /// were not delivered are retried from the database.
    func run() async {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await alert in self.queue { await self.claimAndDeliver(alert) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.retryInterval)
                        guard !Task.isCancelled else { return }
                        await self.retryUndelivered()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    private func claimAndDeliver(_ alert: BudgetAlert) async {
        do {
            guard try await store.claim(alert) else { return }
        } catch {
            logger.error("cannot claim a budget alert", metadata: [LogKey.error: "\(loggable(error))"])
            queued.withLock { _ = $0.remove(Self.id(alert)) }
            return
        }
        logger.notice("budget threshold reached", metadata: [
            "tollgate.scope": "\(alert.scope.rawValue)", "tollgate.scope_name": "\(alert.scopeName)", LogKey.team: "\(alert.teamID)",
            "tollgate.threshold_percent": "\(alert.threshold)", "tollgate.limit_usd": "\(alert.limit)", "tollgate.spent_usd": "\(alert.spent)",
        ])
        await deliver(alert)
    }

    private func retryUndelivered() async {
        do {
            for alert in try await store.claimUndelivered(claimedBefore: Date() - retryInterval / .seconds(1)) {
                await deliver(alert)
            }
        } catch {
            logger.warning("cannot read undelivered budget alerts", metadata: [LogKey.error: "\(loggable(error))"])
        }
    }

    static func id(kind: BudgetScopeKind, scopeID: UUID, periodStart: Date, threshold: Int) -> String {
        "\(kind.rawValue):\(scopeID):\(periodStart.timeIntervalSince1970):\(threshold)"
    }

    static func id(_ alert: BudgetAlert) -> String {
        id(kind: alert.scope, scopeID: alert.scopeID, periodStart: alert.periodStart, threshold: alert.threshold)
    }

    /// Posts the alert to the team's webhook (none: the log line was the delivery), unless it is
    /// being posted already.
    private func deliver(_ alert: BudgetAlert) async {
        let id = Self.id(alert)
        guard delivering.withLock({ $0.insert(id).inserted }) else { return }
        defer { delivering.withLock { _ = $0.remove(id) } }
        var delivered = false
        do {
            let url = try await teams.team(id: alert.teamID)?.alertWebhookURL
            if let url, !allowPrivateWebhooks, let host = URL(string: url)?.host, await Self.resolvesPrivate(host) {
                // Set before the rule, or a name that now resolves inside: never posted to.
                logger.error("budget alert webhook refused: it points at a private address", metadata: [LogKey.team: "\(alert.teamID)"])
                delivered = true
            } else if let url {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: "user-agent", value: "tollgate-alerts")
                request.body = .bytes(ByteBuffer(bytes: try alert.jsonData()))
                let response = try await http.execute(request, timeout: .seconds(10), logger: logger)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                delivered = (200..<300).contains(response.status.code)
                if !delivered {
                    logger.warning("budget alert webhook refused", metadata: ["tollgate.status": "\(response.status.code)"])
                }
            } else {
                delivered = true
            }
        } catch {
            logger.warning("budget alert webhook failed; will retry", metadata: [LogKey.error: "\(error)"])
        }
        try? await store.markDelivered(alert, delivered: delivered)
    }
}

extension AlertDispatcher {
    /// Whether `host` is private by name, or resolves to any private address (so a public name
    /// pointed at an inside address is caught too). Resolution runs on NIO's thread pool.
    static func resolvesPrivate(_ host: String) async -> Bool {
        if PrivateAddress.isPrivate(host: host) { return true }
        let addresses = (try? await NIOThreadPool.singleton.runIfActive { resolve(host) }) ?? []
        return addresses.contains { PrivateAddress.isPrivate(ipAddress: $0) ?? false }
    }

    /// The host's addresses as text, by getaddrinfo.
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor?.pointee {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.ai_addr, entry.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.ai_next
        }
        return addresses
    }
}
